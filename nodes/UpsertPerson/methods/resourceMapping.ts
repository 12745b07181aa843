import type { ILoadOptionsFunctions, ResourceMapperFields } from 'n8n-workflow';

import * as persons from '../../persons/uiMethods';

/**
 * The editor shows a mapper's `emptyFieldsNotice` whenever the answer carries one, also beside
 * "Map Automatically" when fields did load; so it goes out only with an empty field list.
 */
function noticeOnlyWhenEmpty(answer: ResourceMapperFields): ResourceMapperFields {
	return answer.fields.length > 0 ? { fields: answer.fields } : answer;
}

export async function getDynamicsColumns(this: ILoadOptionsFunctions): Promise<ResourceMapperFields> {
	return noticeOnlyWhenEmpty(await persons.getDynamicsColumns.call(this));
}

export async function getMarketoColumns(this: ILoadOptionsFunctions): Promise<ResourceMapperFields> {
	return noticeOnlyWhenEmpty(await persons.getMarketoColumns.call(this));
}
