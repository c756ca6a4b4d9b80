import type { Core } from '@strapi/strapi';

import type services from '../services';

type Services = typeof services;
export type ServiceName = keyof Services;
export type ServiceOf<N extends ServiceName> = ReturnType<Services[N]>;

/** Returns one of the plugin's services with its type, instead of an untyped string lookup. */
export function getService<N extends ServiceName>(strapi: Core.Strapi, name: N): ServiceOf<N> {
  return strapi.plugin('inbox').service(name) as ServiceOf<N>;
}
