export * from './common.description';
