import isAuthenticatedUser from './is-authenticated-user';

export default {
  'is-authenticated-user': isAuthenticatedUser,
};
