import type { Core } from '@strapi/strapi';
import { randomUUID } from 'crypto';
import fs from 'fs';
import path from 'path';

import type { ParsedAttachment } from '../parse/parse-message';

/** Every stored attachment's hash starts with this, so the upload guard can recognise its URL. */
export const ATTACHMENT_HASH_PREFIX = 'inbox_';
const MEDIA_FOLDER_NAME = 'Inbox attachments';

export type StorageMode = 'provider' | 'local-guarded' | 'private-dir';

/** Metadata of one attachment kept on the email; the bytes are in the media library or the private folder. */
export interface StoredAttachment {
  filename: string;
  originalFilename: string | null;
  contentType: string;
  size: number;
  contentId: string | null;
  inline: boolean;
  checksum: string;
  storage: 'media' | 'private-dir';
  fileId: number | null;
  storageKey: string;
}

/**
 * Stores attachments where no one can open them without logging in. A provider that keeps files
 * private (`isPrivate()`) gets them as ordinary media library files. The default local provider
 * serves `public/uploads` to everyone, so its files get a recognisable hash that the upload guard
 * middleware refuses to serve. Any other public provider is bypassed for a private folder on disk.
 */
const attachmentStore = ({ strapi }: { strapi: Core.Strapi }) => {
  let mediaFolderId: number | null | undefined;

  function providerName(): string {
    return (strapi.config.get('plugin::upload.provider') as string | undefined) ?? 'local';
  }

  function privateDir(): string {
    const configured = strapi.plugin('inbox').config('privateStorageDir') as string;
    return path.resolve(strapi.dirs.app.root, configured);
  }

  async function findMediaFolderId(): Promise<number | null> {
    if (mediaFolderId !== undefined) {
      return mediaFolderId;
    }

    const existing = await strapi.db.query('plugin::upload.folder').findOne({ where: { name: MEDIA_FOLDER_NAME, parent: null } });

    if (existing) {
      mediaFolderId = existing.id;
      return existing.id;
    }

    const created = await strapi.plugin('upload').service('folder').create({ name: MEDIA_FOLDER_NAME, parent: null });
    mediaFolderId = created.id;
    return created.id;
  }

  async function storeInMediaLibrary(attachment: ParsedAttachment, hash: string, ext: string) {
    const provider = strapi.plugin('upload').provider as any;
    const folderId = await findMediaFolderId();
    const folderPath = await strapi.plugin('upload').service('file').getFolderPath(folderId);

    const file: Record<string, any> = {
      name: attachment.filename,
      hash,
      ext,
      mime: attachment.contentType,
      size: Math.round((attachment.content.length / 1000) * 100) / 100,
      sizeInBytes: attachment.content.length,
      buffer: attachment.content,
      getStream: () => require('stream').Readable.from(attachment.content),
      folder: folderId,
      folderPath,
      provider: providerName(),
    };

    await provider.upload(file);

    const row = await strapi.db.query('plugin::upload.file').create({
      data: {
        name: file.name,
        hash: file.hash,
        ext: file.ext,
        mime: file.mime,
        size: file.size,
        url: file.url,
        provider: file.provider,
        provider_metadata: file.provider_metadata ?? null,
        folder: folderId,
        folderPath,
      },
    });

    return row.id as number;
  }

  return {
    async storageMode(): Promise<StorageMode> {
      const provider = strapi.plugin('upload').provider as { isPrivate?: () => boolean | Promise<boolean> };

      if (provider.isPrivate && (await provider.isPrivate())) {
        return 'provider';
      }

      return providerName() === 'local' ? 'local-guarded' : 'private-dir';
    },

    async store(attachment: ParsedAttachment): Promise<StoredAttachment> {
      const hash = `${ATTACHMENT_HASH_PREFIX}${randomUUID().replace(/-/g, '')}`;
      const ext = path.extname(attachment.filename).slice(0, 16).replace(/[^.\w-]/g, '') || '.bin';
      const mode = await this.storageMode();

      const base = {
        filename: attachment.filename,
        originalFilename: attachment.originalFilename,
        contentType: attachment.contentType,
        size: attachment.content.length,
        contentId: attachment.contentId,
        inline: attachment.inline,
        checksum: attachment.checksum,
      };

      if (mode === 'private-dir') {
        await fs.promises.mkdir(privateDir(), { recursive: true });
        await fs.promises.writeFile(path.join(privateDir(), `${hash}${ext}`), attachment.content, { mode: 0o600 });
        return { ...base, storage: 'private-dir', fileId: null, storageKey: `${hash}${ext}` };
      }

      const fileId = await storeInMediaLibrary(attachment, hash, ext);
      return { ...base, storage: 'media', fileId, storageKey: `${hash}${ext}` };
    },

    /** Opens a stored attachment for download, or returns a signed URL where the provider gives one. */
    async open(stored: StoredAttachment): Promise<{ stream?: NodeJS.ReadableStream; redirectUrl?: string } | null> {
      if (stored.storage === 'private-dir') {
        const filePath = path.join(privateDir(), path.basename(stored.storageKey));
        return fs.existsSync(filePath) ? { stream: fs.createReadStream(filePath) } : null;
      }

      const file = await strapi.db.query('plugin::upload.file').findOne({ where: { id: stored.fileId } });

      if (!file) {
        return null;
      }

      if (file.provider === 'local') {
        const filePath = path.join(strapi.dirs.static.public, 'uploads', path.basename(file.url));
        return fs.existsSync(filePath) ? { stream: fs.createReadStream(filePath) } : null;
      }

      const provider = strapi.plugin('upload').provider as any;

      if (typeof provider.getSignedUrl === 'function') {
        const signed = await provider.getSignedUrl(file);
        return { redirectUrl: signed.url };
      }

      return { redirectUrl: file.url };
    },

    /** Removes stored files again, for an import that failed after its attachments were written. */
    async remove(stored: StoredAttachment[]) {
      for (const item of stored) {
        try {
          if (item.storage === 'private-dir') {
            await fs.promises.rm(path.join(privateDir(), path.basename(item.storageKey)), { force: true });
          } else if (item.fileId) {
            const file = await strapi.db.query('plugin::upload.file').findOne({ where: { id: item.fileId } });

            if (file) {
              await strapi.plugin('upload').service('upload').remove(file);
            }
          }
        } catch (error) {
          strapi.log.warn('[inbox] Failed to remove an attachment of a failed import.', { storageKey: item.storageKey, error: (error as Error).message });
        }
      }
    },
  };
};

export default attachmentStore;
