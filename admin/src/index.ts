import type { StrapiApp } from '@strapi/strapi/admin';

import { PLUGIN_ID, getTranslation } from './pluginId.js';
import en from './translations/en.json';
import id from './translations/id.json';

type TranslationMessages = Record<string, string>;

// Imported statically so that Vite bundles both files with the plugin.
const messagesByLocale = new Map<string, TranslationMessages>([
  ['en', en],
  ['id', id],
]);

function prefixKeys(messages: TranslationMessages): TranslationMessages {
  const prefixed: TranslationMessages = {};

  for (const [key, message] of Object.entries(messages)) {
    prefixed[getTranslation(key)] = message;
  }

  return prefixed;
}

export default {
  register(app: StrapiApp) {
    app.registerPlugin({ id: PLUGIN_ID, name: 'Inbox' });
  },

  /**
   * Returns this plugin's messages for each admin locale of the host app.
   * A locale without a translation file gets an empty set. The admin then shows
   * the English message, because its LanguageProvider (@strapi/admin 5.54)
   * fills keys missing from the current locale with the `en` messages.
   */
  async registerTrads({ locales }: { locales: string[] }) {
    return locales.map((locale) => ({
      data: prefixKeys(messagesByLocale.get(locale) ?? {}),
      locale,
    }));
  },
};
