import caseAccess from './access/case-access';
import emailAccess from './access/email-access';
import autoReply from './auto-reply/auto-reply';
import bounces from './bounces/bounces';
import cases from './cases/cases';
import counters from './cases/counters';
import distribution from './cases/distribution';
import folderStates from './fetch/folder-states';
import folderSync from './fetch/folder-sync';
import fetchRuns from './fetch/fetch-runs';
import idleWatcher from './fetch/idle-watcher';
import lease from './fetch/lease';
import mailboxFetcher from './fetch/mailbox-fetcher';
import follows from './followers/follows';
import notifier from './followers/notifier';
import attachmentStore from './import/attachment-store';
import emailImporter from './import/email-importer';
import failedMessages from './import/failed-messages';
import mailboxes from './mailbox/mailboxes';
import mailboxTools from './mailbox/mailbox-tools';
import secrets from './mailbox/secrets';
import processEmail from './pipeline/process-email';
import recordLinker from './records/record-linker';
import sendPermissions from './sending/send-permissions';
import sending from './sending/sending';
import signatures from './threading/signatures';
import threadResolver from './threading/thread-resolver';

export default {
  caseAccess,
  emailAccess,
  autoReply,
  bounces,
  cases,
  counters,
  distribution,
  folderStates,
  follows,
  notifier,
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
  processEmail,
  recordLinker,
  sendPermissions,
  sending,
  signatures,
  threadResolver,
};
