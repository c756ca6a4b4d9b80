export { createFetchJob } from './fetch-job';
