/**
 * Links from a report to the files of its run. The CLI picks the start of every link (relative to
 * the --output file, or an absolute file URL when it cannot know where stdout goes); this only
 * joins, so a bundle, a gate log and a CI log all resolve the same way.
 */
import { isAbsolute } from "node:path";
import { pathToFileURL } from "node:url";
import { isUrl } from "./workstream-tests.ts";

/**
 * `path` as the journal names it: relative to the run directory, absolute (a local forge's CI
 * log), or a URL (a forge's CI page), which stays as it is.
 */
export function runFileHref(runDirectoryHref: string, path: string): string {
  if (isUrl(path)) return path;
  if (isAbsolute(path)) return pathToFileURL(path).href;
  return `${runDirectoryHref}${path.split("/").map(encodeURIComponent).join("/")}`;
}
