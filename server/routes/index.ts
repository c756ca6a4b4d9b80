import admin from './admin';
import cases from './cases';
import contentApi from './content-api';
import followers from './followers';

export default {
  admin,
  'content-api': contentApi,
  cases,
  followers,
};
