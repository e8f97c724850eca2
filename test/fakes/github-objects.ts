/**
 * GitHub's REST objects built whole, field by field as GitHub sends them (URLs, node ids, users,
 * repositories), from the GitHub fake's records. The fake validates each against GitHub's OpenAPI
 * description, so these are the single place to fix when GitHub's shapes change.
 */

export interface Site {
  /** e.g. https://api.github.com, or https://HOST/api/v3 for GitHub Enterprise. */
  apiUrl: string;
  /** e.g. https://github.com, or https://HOST. */
  webUrl: string;
}

export interface RepositoryRecord {
  id: number;
  owner: string;
  ownerId: number;
  name: string;
  defaultBranch: string;
  createdAt: string;
  pushedAt: string;
}

export interface UserRecord {
  login: string;
  id: number;
  type: "User" | "Bot" | "Organization";
}

export interface PullRecord {
  number: number;
  id: number;
  title: string;
  body: string | null;
  head: string;
  headSha: string;
  base: string;
  baseSha: string;
  state: "open" | "closed";
  isMerged: boolean;
  mergeCommitSha: string | null;
  mergedAt: string | null;
  mergedBy: UserRecord | null;
  closedAt: string | null;
  createdAt: string;
  updatedAt: string;
  mergeable: boolean | null;
  mergeableState: string;
  author: UserRecord;
  commentCount: number;
}

export interface IssueRecord {
  number: number;
  id: number;
  title: string;
  body: string | null;
  state: "open" | "closed";
  stateReason: "completed" | "reopened" | "not_planned" | null;
  closedAt: string | null;
  closedBy: UserRecord | null;
  createdAt: string;
  updatedAt: string;
  author: UserRecord;
  commentCount: number;
}

export interface CommentRecord {
  id: number;
  issueNumber: number;
  body: string;
  author: UserRecord;
  createdAt: string;
  updatedAt: string;
}

export interface StateEventRecord {
  id: number;
  event: "closed" | "reopened";
  actor: UserRecord;
  commitId: string | null;
  createdAt: string;
  stateReason: string | null;
}

export interface CheckRunRecord {
  id: number;
  sha: string;
  name: string;
  status: "queued" | "in_progress" | "completed" | "waiting" | "requested" | "pending";
  conclusion:
    | "success"
    | "failure"
    | "neutral"
    | "cancelled"
    | "skipped"
    | "timed_out"
    | "action_required"
    | null;
  startedAt: string | null;
  completedAt: string | null;
  checkSuiteId: number;
  outputTitle: string | null;
  outputSummary: string | null;
}

export interface StatusRecord {
  id: number;
  sha: string;
  context: string;
  state: "error" | "failure" | "pending" | "success";
  description: string | null;
  targetUrl: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface CommitRecord {
  sha: string;
  parents: string[];
  message: string;
  treeSha: string;
  date: string;
}

function nodeId(prefix: string, id: number): string {
  return `${prefix}_kwDO${Buffer.from(`${prefix}:${id}`).toString("base64url")}`;
}

export function user(site: Site, record: UserRecord) {
  const url = `${site.apiUrl}/users/${record.login}`;
  return {
    login: record.login,
    id: record.id,
    node_id: nodeId(record.type === "Bot" ? "BOT" : "U", record.id),
    avatar_url: `https://avatars.githubusercontent.com/u/${record.id}?v=4`,
    gravatar_id: "",
    url,
    html_url: `${site.webUrl}/${record.login}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type: record.type,
    user_view_type: "public",
    site_admin: false,
  };
}

function ownerRecord(repository: RepositoryRecord): UserRecord {
  return { login: repository.owner, id: repository.ownerId, type: "Organization" };
}

function repositoryUrls(site: Site, repository: RepositoryRecord) {
  const url = `${site.apiUrl}/repos/${repository.owner}/${repository.name}`;
  return {
    html_url: `${site.webUrl}/${repository.owner}/${repository.name}`,
    url,
    forks_url: `${url}/forks`,
    keys_url: `${url}/keys{/key_id}`,
    collaborators_url: `${url}/collaborators{/collaborator}`,
    teams_url: `${url}/teams`,
    hooks_url: `${url}/hooks`,
    issue_events_url: `${url}/issues/events{/number}`,
    events_url: `${url}/events`,
    assignees_url: `${url}/assignees{/user}`,
    branches_url: `${url}/branches{/branch}`,
    tags_url: `${url}/tags`,
    blobs_url: `${url}/git/blobs{/sha}`,
    git_tags_url: `${url}/git/tags{/sha}`,
    git_refs_url: `${url}/git/refs{/sha}`,
    trees_url: `${url}/git/trees{/sha}`,
    statuses_url: `${url}/statuses/{sha}`,
    languages_url: `${url}/languages`,
    stargazers_url: `${url}/stargazers`,
    contributors_url: `${url}/contributors`,
    subscribers_url: `${url}/subscribers`,
    subscription_url: `${url}/subscription`,
    commits_url: `${url}/commits{/sha}`,
    git_commits_url: `${url}/git/commits{/sha}`,
    comments_url: `${url}/comments{/number}`,
    issue_comment_url: `${url}/issues/comments{/number}`,
    contents_url: `${url}/contents/{+path}`,
    compare_url: `${url}/compare/{base}...{head}`,
    merges_url: `${url}/merges`,
    archive_url: `${url}/{archive_format}{/ref}`,
    downloads_url: `${url}/downloads`,
    issues_url: `${url}/issues{/number}`,
    pulls_url: `${url}/pulls{/number}`,
    milestones_url: `${url}/milestones{/number}`,
    notifications_url: `${url}/notifications{?since,all,participating}`,
    labels_url: `${url}/labels{/name}`,
    releases_url: `${url}/releases{/id}`,
    deployments_url: `${url}/deployments`,
  };
}

/** The `repository` schema: what pull requests embed as head.repo and base.repo. */
export function repository(site: Site, record: RepositoryRecord) {
  const host = new URL(site.webUrl).host;
  return {
    id: record.id,
    node_id: nodeId("R", record.id),
    name: record.name,
    full_name: `${record.owner}/${record.name}`,
    private: false,
    owner: user(site, ownerRecord(record)),
    description: "The plan's repository.",
    fork: false,
    ...repositoryUrls(site, record),
    git_url: `git://${host}/${record.owner}/${record.name}.git`,
    ssh_url: `git@${host}:${record.owner}/${record.name}.git`,
    clone_url: `${site.webUrl}/${record.owner}/${record.name}.git`,
    svn_url: `${site.webUrl}/${record.owner}/${record.name}`,
    mirror_url: null,
    homepage: null,
    language: "TypeScript",
    forks_count: 0,
    forks: 0,
    stargazers_count: 0,
    watchers_count: 0,
    watchers: 0,
    size: 128,
    default_branch: record.defaultBranch,
    open_issues_count: 0,
    open_issues: 0,
    is_template: false,
    topics: [],
    has_issues: true,
    has_projects: true,
    has_wiki: false,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: false,
    disabled: false,
    visibility: "public",
    pushed_at: record.pushedAt,
    created_at: record.createdAt,
    updated_at: record.pushedAt,
    allow_forking: true,
    web_commit_signoff_required: false,
    license: null,
  };
}

/** `GET /repos/{owner}/{repo}` answers with the full repository. */
export function fullRepository(site: Site, record: RepositoryRecord) {
  return {
    ...repository(site, record),
    permissions: { admin: false, maintain: false, push: true, triage: true, pull: true },
    allow_rebase_merge: true,
    allow_squash_merge: true,
    allow_merge_commit: true,
    allow_auto_merge: false,
    delete_branch_on_merge: false,
    allow_update_branch: false,
    use_squash_pr_title_as_default: false,
    squash_merge_commit_title: "COMMIT_OR_PR_TITLE",
    squash_merge_commit_message: "COMMIT_MESSAGES",
    merge_commit_title: "MERGE_MESSAGE",
    merge_commit_message: "PR_TITLE",
    temp_clone_token: null,
    subscribers_count: 1,
    network_count: 0,
  };
}

/** The `minimal-repository` schema: what a combined status embeds. */
export function minimalRepository(site: Site, record: RepositoryRecord) {
  return {
    id: record.id,
    node_id: nodeId("R", record.id),
    name: record.name,
    full_name: `${record.owner}/${record.name}`,
    owner: user(site, ownerRecord(record)),
    private: false,
    description: "The plan's repository.",
    fork: false,
    ...repositoryUrls(site, record),
  };
}

function pullUrls(site: Site, record: RepositoryRecord, pull: PullRecord) {
  const repo = `${site.apiUrl}/repos/${record.owner}/${record.name}`;
  const html = `${site.webUrl}/${record.owner}/${record.name}/pull/${pull.number}`;
  return {
    url: `${repo}/pulls/${pull.number}`,
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: `${repo}/issues/${pull.number}`,
    commits_url: `${repo}/pulls/${pull.number}/commits`,
    review_comments_url: `${repo}/pulls/${pull.number}/comments`,
    review_comment_url: `${repo}/pulls/comments{/number}`,
    comments_url: `${repo}/issues/${pull.number}/comments`,
    statuses_url: `${repo}/statuses/${pull.headSha}`,
  };
}

function pullLinks(site: Site, record: RepositoryRecord, pull: PullRecord) {
  const urls = pullUrls(site, record, pull);
  return {
    self: { href: urls.url },
    html: { href: urls.html_url },
    issue: { href: urls.issue_url },
    comments: { href: urls.comments_url },
    review_comments: { href: urls.review_comments_url },
    review_comment: { href: urls.review_comment_url },
    commits: { href: urls.commits_url },
    statuses: { href: urls.statuses_url },
  };
}

/** A pull request's GraphQL node id, the same as its REST `node_id`. */
export function pullNodeId(pull: PullRecord): string {
  return nodeId("PR", pull.id);
}

/** The `pull-request-simple` schema: what lists of pull requests hold. */
export function pullRequestSimple(site: Site, record: RepositoryRecord, pull: PullRecord) {
  const branch = (ref: string, sha: string) => ({
    label: `${record.owner}:${ref}`,
    ref,
    sha,
    user: user(site, ownerRecord(record)),
    repo: repository(site, record),
  });
  return {
    ...pullUrls(site, record, pull),
    id: pull.id,
    node_id: nodeId("PR", pull.id),
    number: pull.number,
    state: pull.state,
    locked: false,
    title: pull.title,
    user: user(site, pull.author),
    body: pull.body,
    labels: [],
    milestone: null,
    active_lock_reason: null,
    created_at: pull.createdAt,
    updated_at: pull.updatedAt,
    closed_at: pull.closedAt,
    merged_at: pull.mergedAt,
    // GitHub fills this for open pull requests too, with its test merge commit.
    merge_commit_sha: pull.mergeCommitSha,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: branch(pull.head, pull.headSha),
    base: branch(pull.base, pull.baseSha),
    _links: pullLinks(site, record, pull),
    author_association: "CONTRIBUTOR",
    auto_merge: null,
    draft: false,
  };
}

/** The `pull-request` schema: one pull request, with its merge state. */
export function pullRequest(site: Site, record: RepositoryRecord, pull: PullRecord) {
  return {
    ...pullRequestSimple(site, record, pull),
    merged: pull.isMerged,
    mergeable: pull.mergeable,
    rebaseable: pull.mergeable,
    mergeable_state: pull.mergeableState,
    merged_by: pull.mergedBy ? user(site, pull.mergedBy) : null,
    comments: pull.commentCount,
    review_comments: 0,
    maintainer_can_modify: false,
    commits: 1,
    additions: 3,
    deletions: 1,
    changed_files: 1,
  };
}

export function issue(site: Site, record: RepositoryRecord, issueRecord: IssueRecord, pull?: PullRecord) {
  const repo = `${site.apiUrl}/repos/${record.owner}/${record.name}`;
  const url = `${repo}/issues/${issueRecord.number}`;
  const html = `${site.webUrl}/${record.owner}/${record.name}/${pull ? "pull" : "issues"}/${issueRecord.number}`;
  return {
    id: issueRecord.id,
    node_id: nodeId(pull ? "PR" : "I", issueRecord.id),
    url,
    repository_url: repo,
    labels_url: `${url}/labels{/name}`,
    comments_url: `${url}/comments`,
    events_url: `${url}/events`,
    html_url: html,
    timeline_url: `${url}/timeline`,
    number: issueRecord.number,
    state: issueRecord.state,
    state_reason: issueRecord.stateReason,
    title: issueRecord.title,
    body: issueRecord.body,
    user: user(site, issueRecord.author),
    labels: [],
    assignee: null,
    assignees: [],
    milestone: null,
    locked: false,
    active_lock_reason: null,
    comments: issueRecord.commentCount,
    ...(pull
      ? {
          pull_request: {
            url: `${repo}/pulls/${pull.number}`,
            html_url: html,
            diff_url: `${html}.diff`,
            patch_url: `${html}.patch`,
            merged_at: pull.mergedAt,
          },
          draft: false,
        }
      : {}),
    closed_at: issueRecord.closedAt,
    closed_by: issueRecord.closedBy ? user(site, issueRecord.closedBy) : null,
    created_at: issueRecord.createdAt,
    updated_at: issueRecord.updatedAt,
    author_association: "OWNER",
    performed_via_github_app: null,
    reactions: reactions(url),
  };
}

function reactions(url: string) {
  return {
    url: `${url}/reactions`,
    total_count: 0,
    "+1": 0,
    "-1": 0,
    laugh: 0,
    hooray: 0,
    confused: 0,
    heart: 0,
    rocket: 0,
    eyes: 0,
  };
}

export function issueComment(site: Site, record: RepositoryRecord, comment: CommentRecord, isPull: boolean) {
  const repo = `${site.apiUrl}/repos/${record.owner}/${record.name}`;
  const url = `${repo}/issues/comments/${comment.id}`;
  const page = `${site.webUrl}/${record.owner}/${record.name}/${isPull ? "pull" : "issues"}/${comment.issueNumber}`;
  return {
    id: comment.id,
    node_id: nodeId("IC", comment.id),
    url,
    html_url: `${page}#issuecomment-${comment.id}`,
    body: comment.body,
    user: user(site, comment.author),
    created_at: comment.createdAt,
    updated_at: comment.updatedAt,
    issue_url: `${repo}/issues/${comment.issueNumber}`,
    author_association: "CONTRIBUTOR",
    performed_via_github_app: null,
    reactions: reactions(url),
  };
}

/** A `closed` or `reopened` entry of an issue's timeline (state-change-issue-event). */
export function stateChangeEvent(site: Site, record: RepositoryRecord, event: StateEventRecord) {
  const repo = `${site.apiUrl}/repos/${record.owner}/${record.name}`;
  return {
    id: event.id,
    node_id: nodeId(event.event === "closed" ? "CE" : "REE", event.id),
    url: `${repo}/issues/events/${event.id}`,
    actor: user(site, event.actor),
    event: event.event,
    commit_id: event.commitId,
    commit_url: event.commitId ? `${repo}/commits/${event.commitId}` : null,
    created_at: event.createdAt,
    state_reason: event.stateReason,
    performed_via_github_app: null,
  };
}

/** GitHub Actions as the app behind check runs. */
export const actionsApp = { id: 15368, slug: "github-actions", name: "GitHub Actions" };

export function integration(site: Site) {
  return {
    id: actionsApp.id,
    slug: actionsApp.slug,
    node_id: nodeId("A", actionsApp.id),
    owner: user(site, { login: "github", id: 9919, type: "Organization" }),
    name: actionsApp.name,
    description: "Automate your workflow from idea to production",
    external_url: "https://help.github.com/en/actions",
    html_url: `${site.webUrl}/apps/github-actions`,
    created_at: "2018-07-30T09:30:17Z",
    updated_at: "2024-04-10T20:33:16Z",
    permissions: { checks: "write", contents: "write", issues: "write", metadata: "read" },
    events: ["check_run", "check_suite", "pull_request", "push"],
  };
}

export function checkRun(site: Site, record: RepositoryRecord, run: CheckRunRecord) {
  const repo = `${site.apiUrl}/repos/${record.owner}/${record.name}`;
  const html = `${site.webUrl}/${record.owner}/${record.name}/actions/runs/${run.checkSuiteId}/job/${run.id}`;
  return {
    id: run.id,
    name: run.name,
    node_id: nodeId("CR", run.id),
    head_sha: run.sha,
    external_id: String(run.id),
    url: `${repo}/check-runs/${run.id}`,
    html_url: html,
    details_url: html,
    status: run.status,
    conclusion: run.conclusion,
    started_at: run.startedAt,
    completed_at: run.completedAt,
    output: {
      title: run.outputTitle,
      summary: run.outputSummary,
      text: null,
      annotations_count: 0,
      annotations_url: `${repo}/check-runs/${run.id}/annotations`,
    },
    check_suite: { id: run.checkSuiteId },
    app: integration(site),
    pull_requests: [],
  };
}

export function commitStatus(site: Site, record: RepositoryRecord, status: StatusRecord) {
  return {
    url: `${site.apiUrl}/repos/${record.owner}/${record.name}/statuses/${status.sha}`,
    avatar_url: "https://avatars.githubusercontent.com/oa/4808?v=4",
    id: status.id,
    node_id: nodeId("SC", status.id),
    state: status.state,
    description: status.description,
    target_url: status.targetUrl,
    context: status.context,
    created_at: status.createdAt,
    updated_at: status.updatedAt,
    required: false,
  };
}

/** GitHub's rule: failure when any is error or failure, pending when any is pending or none exist. */
export function combinedState(statuses: readonly StatusRecord[]): string {
  if (statuses.some((status) => status.state === "error" || status.state === "failure")) return "failure";
  if (statuses.length === 0 || statuses.some((status) => status.state === "pending")) return "pending";
  return "success";
}

export function combinedStatus(
  site: Site,
  record: RepositoryRecord,
  sha: string,
  allLatest: readonly StatusRecord[],
  page: readonly StatusRecord[],
) {
  const repo = `${site.apiUrl}/repos/${record.owner}/${record.name}`;
  return {
    state: combinedState(allLatest),
    statuses: page.map((status) => commitStatus(site, record, status)),
    sha,
    total_count: allLatest.length,
    repository: minimalRepository(site, record),
    commit_url: `${repo}/commits/${sha}`,
    url: `${repo}/commits/${sha}/status`,
  };
}

export function gitRef(site: Site, record: RepositoryRecord, branch: string, sha: string) {
  const repo = `${site.apiUrl}/repos/${record.owner}/${record.name}`;
  return {
    ref: `refs/heads/${branch}`,
    node_id: nodeId("REF", branch.length),
    url: `${repo}/git/refs/heads/${branch}`,
    object: { sha, type: "commit", url: `${repo}/git/commits/${sha}` },
  };
}

/** A commit as the git data API shows it (GET and POST /repos/{owner}/{repo}/git/commits). */
export function gitCommit(
  site: Site,
  record: RepositoryRecord,
  commitRecord: CommitRecord,
  author: UserRecord,
) {
  const repo = `${site.apiUrl}/repos/${record.owner}/${record.name}`;
  const web = `${site.webUrl}/${record.owner}/${record.name}`;
  const person = {
    name: author.login,
    email: `${author.login}@users.noreply.github.com`,
    date: commitRecord.date,
  };
  return {
    sha: commitRecord.sha,
    node_id: nodeId("C", Number.parseInt(commitRecord.sha.slice(0, 8), 16)),
    url: `${repo}/git/commits/${commitRecord.sha}`,
    html_url: `${web}/commit/${commitRecord.sha}`,
    author: person,
    committer: person,
    message: commitRecord.message,
    tree: { sha: commitRecord.treeSha, url: `${repo}/git/trees/${commitRecord.treeSha}` },
    parents: commitRecord.parents.map((parent) => ({
      sha: parent,
      url: `${repo}/git/commits/${parent}`,
      html_url: `${web}/commit/${parent}`,
    })),
    verification: { verified: false, reason: "unsigned", signature: null, payload: null, verified_at: null },
  };
}

export function commit(site: Site, record: RepositoryRecord, commitRecord: CommitRecord, author: UserRecord) {
  const repo = `${site.apiUrl}/repos/${record.owner}/${record.name}`;
  const web = `${site.webUrl}/${record.owner}/${record.name}`;
  const person = {
    name: author.login,
    email: `${author.login}@users.noreply.github.com`,
    date: commitRecord.date,
  };
  return {
    url: `${repo}/commits/${commitRecord.sha}`,
    sha: commitRecord.sha,
    node_id: nodeId("C", Number.parseInt(commitRecord.sha.slice(0, 8), 16)),
    html_url: `${web}/commit/${commitRecord.sha}`,
    comments_url: `${repo}/commits/${commitRecord.sha}/comments`,
    commit: {
      url: `${repo}/git/commits/${commitRecord.sha}`,
      author: person,
      committer: person,
      message: commitRecord.message,
      comment_count: 0,
      tree: { sha: commitRecord.treeSha, url: `${repo}/git/trees/${commitRecord.treeSha}` },
      verification: {
        verified: false,
        reason: "unsigned",
        signature: null,
        payload: null,
        verified_at: null,
      },
    },
    author: user(site, author),
    committer: user(site, author),
    parents: commitRecord.parents.map((sha) => ({
      sha,
      url: `${repo}/commits/${sha}`,
      html_url: `${web}/commit/${sha}`,
    })),
  };
}

export function commitComparison(
  site: Site,
  record: RepositoryRecord,
  comparison: {
    base: string;
    head: string;
    baseCommit: CommitRecord;
    mergeBaseCommit: CommitRecord;
    status: "diverged" | "ahead" | "behind" | "identical";
    aheadBy: number;
    behindBy: number;
    commits: CommitRecord[];
  },
  author: UserRecord,
) {
  const repo = `${site.apiUrl}/repos/${record.owner}/${record.name}`;
  const web = `${site.webUrl}/${record.owner}/${record.name}`;
  const basehead = `${comparison.base}...${comparison.head}`;
  return {
    url: `${repo}/compare/${basehead}`,
    html_url: `${web}/compare/${basehead}`,
    permalink_url: `${web}/compare/${record.owner}:${comparison.baseCommit.sha.slice(0, 7)}...${record.owner}:${comparison.head.slice(0, 7)}`,
    diff_url: `${web}/compare/${basehead}.diff`,
    patch_url: `${web}/compare/${basehead}.patch`,
    base_commit: commit(site, record, comparison.baseCommit, author),
    merge_base_commit: commit(site, record, comparison.mergeBaseCommit, author),
    status: comparison.status,
    ahead_by: comparison.aheadBy,
    behind_by: comparison.behindBy,
    total_commits: comparison.aheadBy,
    commits: comparison.commits.map((entry) => commit(site, record, entry, author)),
    files: [],
  };
}

export function basicError(message: string, status: number) {
  return {
    message,
    documentation_url: "https://docs.github.com/rest",
    status: String(status),
  };
}

export function validationError(
  errors: { resource: string; code: string; field?: string; message?: string }[],
  documentationUrl = "https://docs.github.com/rest",
) {
  return { message: "Validation Failed", errors, documentation_url: documentationUrl, status: "422" };
}
