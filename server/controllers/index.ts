import email from './email';
import failedMessage from './failed-message';
import groupMailbox from './group-mailbox';
import personalMailbox from './personal-mailbox';

export default {
  email,
  'failed-message': failedMessage,
  'group-mailbox': groupMailbox,
  'personal-mailbox': personalMailbox,
};
