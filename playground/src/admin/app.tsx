export default {
  config: {
    locales: ['id'],
  },
  bootstrap() {},
};
