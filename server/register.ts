import type { Core } from '@strapi/strapi';
import _ from 'lodash';

import { components } from './components';
import { registerUploadGuard } from './middlewares/upload-guard';

/**
 * Registers the plugin's components, which Strapi otherwise loads only from the app's own
 * `src/components`, and the guard that keeps attachments off the public uploads URL.
 */
export default ({ strapi }: { strapi: Core.Strapi }) => {
  const registry = strapi.get('components');

  for (const [uid, schema] of Object.entries(components)) {
    const [category, modelName] = uid.split('.');

    if (registry.get(uid)) {
      continue;
    }

    registry.set(uid, {
      ...schema,
      __schema__: _.cloneDeep(schema),
      uid,
      category,
      modelType: 'component',
      modelName,
      globalId: `ComponentInbox${_.upperFirst(_.camelCase(modelName))}`,
    });
  }

  registerUploadGuard(strapi);
};
