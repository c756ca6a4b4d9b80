/**
 * Returns the config of a content API route that needs a logged-in Users & Permissions user. It is
 * a new object on every call, because Strapi writes each route's auth scope into its config, and
 * routes that shared one object would all require the first route's action.
 */
export function authenticated() {
  return { policies: ['plugin::inbox.is-authenticated-user'] };
}
