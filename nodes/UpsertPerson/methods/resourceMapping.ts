export { getDynamicsColumns, getMarketoColumns } from '../../persons/uiMethods';
