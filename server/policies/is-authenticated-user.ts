/**
 * Lets a request through only when it comes from a logged-in Users & Permissions user. API tokens
 * carry no user, and the plugin's results are scoped to a user's mailboxes and teams.
 */
export default (policyContext: any) => Boolean(policyContext.state?.user?.id);
