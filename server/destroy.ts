import type { Core } from '@strapi/strapi';

import { stopBackgroundWork } from './bootstrap';

export default async ({ strapi }: { strapi: Core.Strapi }) => {
  await stopBackgroundWork(strapi);
};
