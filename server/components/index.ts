import imapSettings from './imap-settings.json';
import smtpSettings from './smtp-settings.json';

/** Component schemas of the plugin, keyed by the uid that the content types reference. */
export const components = {
  'inbox.imap-settings': imapSettings,
  'inbox.smtp-settings': smtpSettings,
};
