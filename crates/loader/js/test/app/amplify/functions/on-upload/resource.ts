import { defineFunction } from '@aws-amplify/backend';

export const onUpload = defineFunction({ entry: '../shared/upload-handler.ts', memoryMB: 256 });
