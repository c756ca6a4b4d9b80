import caseController from './case';
import email from './email';
import failedMessage from './failed-message';
import follow from './follow';
import groupMailbox from './group-mailbox';
import notification from './notification';
import personalMailbox from './personal-mailbox';
import send from './send';
import sendPermission from './send-permission';

export default {
  case: caseController,
  email,
  'failed-message': failedMessage,
  follow,
  'group-mailbox': groupMailbox,
  notification,
  'personal-mailbox': personalMailbox,
  send,
  'send-permission': sendPermission,
};
