export { getMarketoLeadFields } from '../../loadOptions';
export { getPersonColumns } from '../../persons/uiMethods';
