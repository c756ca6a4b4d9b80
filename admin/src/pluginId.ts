/** Plugin id, equal to the plugin name on the server. Every translation key starts with it. */
export const PLUGIN_ID = 'inbox';

/** Returns the translation key for `id` with the plugin prefix, e.g. `inbox.plugin.name`. */
export const getTranslation = (id: string): string => `${PLUGIN_ID}.${id}`;
