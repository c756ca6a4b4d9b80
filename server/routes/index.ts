import admin from './admin';
import cases from './cases';
import contentApi from './content-api';
import followers from './followers';
import sendPermissions from './send-permissions';
import sending from './sending';

export default {
  admin,
  'content-api': contentApi,
  cases,
  followers,
  sending,
  'send-permissions': sendPermissions,
};
