import type { Core } from '@strapi/strapi';

/**
 * Encrypts and decrypts mailbox passwords with Strapi's encryption service (AES-256-GCM keyed by
 * the app's ENCRYPTION_KEY). That service returns null instead of throwing when the key is missing
 * or wrong, so every null becomes an error here.
 */
const secrets = ({ strapi }: { strapi: Core.Strapi }) => ({
  encrypt(plainText: string): string {
    const encrypted = strapi.service('admin::encryption').encrypt(plainText) as string | null;

    if (!encrypted) {
      throw new Error('Failed to encrypt a mailbox password: set ENCRYPTION_KEY in the app environment (admin.secrets.encryptionKey).');
    }

    return encrypted;
  },

  decrypt(cipherText: string): string {
    let decrypted: string | null;

    try {
      decrypted = strapi.service('admin::encryption').decrypt(cipherText) as string | null;
    } catch {
      decrypted = null;
    }

    if (decrypted === null || decrypted === undefined) {
      throw new Error('Failed to decrypt a mailbox password: ENCRYPTION_KEY is missing or differs from the key it was saved with. Enter the password again.');
    }

    return decrypted;
  },
});

export default secrets;
