export { getDynamicsColumns, getDynamicsTables } from '../../loadOptions';
