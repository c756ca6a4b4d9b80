import groupMailbox from './group-mailbox';
import personalMailbox from './personal-mailbox';
import email from './email';
import imapMessage from './imap-message';
import caseType from './case';
import caseStreamEntry from './case-stream-entry';
import team from './team';
import filter from './filter';
import follow from './follow';
import notification from './notification';
import flaggedAddress from './flagged-address';
import sendPermission from './send-permission';
import folderState from './folder-state';
import failedMessage from './failed-message';
import fetchRun from './fetch-run';

export default {
  'group-mailbox': groupMailbox,
  'personal-mailbox': personalMailbox,
  email,
  'imap-message': imapMessage,
  case: caseType,
  'case-stream-entry': caseStreamEntry,
  team,
  filter,
  follow,
  notification,
  'flagged-address': flaggedAddress,
  'send-permission': sendPermission,
  'folder-state': folderState,
  'failed-message': failedMessage,
  'fetch-run': fetchRun,
};
