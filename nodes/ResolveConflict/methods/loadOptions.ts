export { getMarketoLeadFields } from '../../loadOptions';
