import groupMailbox from './group-mailbox';
import personalMailbox from './personal-mailbox';
import email from './email';
import imapMessage from './imap-message';
import caseType from './case';
import team from './team';
import filter from './filter';
import folderState from './folder-state';
import failedMessage from './failed-message';
import fetchRun from './fetch-run';

export default {
  'group-mailbox': groupMailbox,
  'personal-mailbox': personalMailbox,
  email,
  'imap-message': imapMessage,
  case: caseType,
  team,
  filter,
  'folder-state': folderState,
  'failed-message': failedMessage,
  'fetch-run': fetchRun,
};
