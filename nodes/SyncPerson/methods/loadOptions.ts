export { getCustomActivityTypes, getMarketoLeadFields } from '../../loadOptions';
export { getOwners, getPersonColumns } from '../../persons/uiMethods';
