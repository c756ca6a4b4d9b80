import emailAccess from './access/email-access';
import folderStates from './fetch/folder-states';
import folderSync from './fetch/folder-sync';
import fetchRuns from './fetch/fetch-runs';
import idleWatcher from './fetch/idle-watcher';
import lease from './fetch/lease';
import mailboxFetcher from './fetch/mailbox-fetcher';
import attachmentStore from './import/attachment-store';
import emailImporter from './import/email-importer';
import failedMessages from './import/failed-messages';
import mailboxes from './mailbox/mailboxes';
import mailboxTools from './mailbox/mailbox-tools';
import secrets from './mailbox/secrets';

export default {
  emailAccess,
  folderStates,
  folderSync,
  fetchRuns,
  idleWatcher,
  lease,
  mailboxFetcher,
  attachmentStore,
  emailImporter,
  failedMessages,
  mailboxes,
  mailboxTools,
  secrets,
};
