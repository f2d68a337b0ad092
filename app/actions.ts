/**
 * The one place components import server actions from (an eslint rule enforces it). Each module below is a
 * "use server" file, so what a client component gets through here are action references, never server code.
 */
export * from "./(console)/actions";
// Org URL names (issue 14): availability as you type, rename, change the URL name.
export * from "./(console)/orgs/org-names-actions";
export * from "./(console)/account/actions";
export * from "./(console)/account/sessions-actions";
// Personal access tokens (issue 13): Account → Tokens.
export * from "./(console)/account/tokens-actions";
export * from "./(console)/admin/actions";
// The API (issue 13): a cluster's service URLs for the apolo CLI.
export * from "./(console)/admin/cluster-urls-actions";
export * from "./(console)/orgs/[org]/credits/actions";
export * from "./(console)/orgs/[org]/jobs/actions";
export * from "./(console)/orgs/[org]/settings/users/actions";
export * from "./invite/actions";
// Artifacts (issue 12): disks, buckets and secrets of a project.
export * from "./(console)/orgs/[org]/artifacts/actions";
// Projects (issue 12): the Projects list, a project's members and settings.
export * from "./(console)/orgs/[org]/projects/actions";
// Issue 14, a newcomer path: the overview's cluster access request, and the Admin area's decisions.
export * from "./(console)/orgs/[org]/overview-actions";
export * from "./(console)/admin/requests-actions";
