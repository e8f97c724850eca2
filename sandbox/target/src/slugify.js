/** Turns a title into a URL slug: lower case, words joined by single dashes. */
export function slugify(title) {
  // Defect (issue #1): runs of spaces produce double dashes, and edges keep their dashes.
  return title
    .toLowerCase()
    .replace(/[^a-z0-9 ]/g, "")
    .replace(/ /g, "-");
}
