import type { Core } from '@strapi/strapi';

let userCounter = 0;

/**
 * Creates a Users & Permissions user in a fresh role that may call the given content API actions
 * (such as `plugin::inbox.email.find`), and returns the user with a JWT for the Authorization header.
 */
export async function createApiUser(strapi: Core.Strapi, actions: string[], username?: string) {
  userCounter += 1;
  const name = username ?? `agent${userCounter}`;

  const role = await strapi.db.query('plugin::users-permissions.role').create({
    data: { name: `Role of ${name}`, description: 'Test role', type: `test-${name}-${Date.now()}` },
  });

  for (const action of actions) {
    await strapi.db.query('plugin::users-permissions.permission').create({ data: { action, role: role.id } });
  }

  const user = await strapi.db.query('plugin::users-permissions.user').create({
    data: {
      username: name,
      email: `${name}@example.com`,
      provider: 'local',
      password: 'Password123!',
      confirmed: true,
      blocked: false,
      role: role.id,
    },
  });

  const jwt = await strapi.plugin('users-permissions').service('jwt').issue({ id: user.id });
  return { user, jwt: jwt as string };
}

/** Creates a super admin and returns an admin access token for the admin API. */
export async function createAdminToken(strapi: Core.Strapi) {
  const superAdminRole = await strapi.service('admin::role').getSuperAdmin();

  const admin = await strapi.service('admin::user').create({
    email: `admin${Date.now()}@example.com`,
    firstname: 'Ada',
    lastname: 'Admin',
    password: 'Password123!',
    isActive: true,
    registrationToken: null,
    roles: [superAdminRole.id],
  });

  const sessions = (strapi as any).sessionManager('admin');
  const refresh = await sessions.generateRefreshToken(String(admin.id), 'test-device', { type: 'session' });
  const access = await sessions.generateAccessToken(refresh.token);

  if ('error' in access) {
    throw new Error(`Failed to create an admin access token: ${access.error}`);
  }

  return access.token as string;
}
