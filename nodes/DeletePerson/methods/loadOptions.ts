export { getCustomActivityTypes } from '../../loadOptions';
