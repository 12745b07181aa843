export { getCustomActivityTypes, getMarketoLeadFields } from '../../loadOptions';
export { getOwners, getPersonColumns, getPersonMatchColumns } from '../../persons/uiMethods';
