export * as loadOptions from './loadOptions';
export * as resourceMapping from './resourceMapping';
