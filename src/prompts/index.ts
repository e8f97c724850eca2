// Owns: rendering the Markdown templates of the repository's prompts/ folder (`{{name}}` placeholders, `{{#name}}…{{/name}}` sections): the one way code reaches text the model sees.
// Must never: assemble a sentence for the model in code, or render a template with a variable missing (an error, never an empty hole).
export { fillTemplate, readPromptTemplate, renderPrompt } from "./prompt-templates.ts";
