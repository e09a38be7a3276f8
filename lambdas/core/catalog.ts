import { NATIVE_EVENT_SOURCES, type NativeEventSource } from './native-events.js';
import type { ServiceId } from './service-id.js';

/**
 * What deploying a poller for a service needs to know, without its SDK: the handler entry, the exact IAM
 * actions of its list and describe calls, and whether it is on by default. The CDK stack reads only this.
 */
export interface ServiceDeployment {
  readonly id: ServiceId;
  readonly displayName: string;
  /** Handler entry, relative to the repository root; one bundle per service, carrying only its own client. */
  readonly handlerEntry: string;
  /** Exactly the calls the adapter makes; no wildcards. */
  readonly iamActions: readonly string[];
  /** Suffix of the SDK's `AWS_ENDPOINT_URL_<SUFFIX>` variable. */
  readonly endpointEnvSuffix: string;
  readonly enabledByDefault: boolean;
  /** Default schedule, in minutes; the comment says why. */
  readonly defaultScheduleMinutes: number;
  readonly nativeEvents: NativeEventSource | undefined;
  /** A warning printed at synth time when the service is enabled. */
  readonly deprecationNotice?: string;
}

const entry = (service: ServiceId) => `lambdas/handlers/pollers/${service}.ts`;

export const SERVICE_CATALOG: Readonly<Record<ServiceId, ServiceDeployment>> = {
  healthlake: {
    id: 'healthlake',
    displayName: 'AWS HealthLake',
    handlerEntry: entry('healthlake'),
    iamActions: [
      'healthlake:ListFHIRDatastores',
      'healthlake:ListFHIRImportJobs',
      'healthlake:DescribeFHIRImportJob',
    ],
    endpointEnvSuffix: 'HEALTHLAKE',
    enabledByDefault: true,
    // FHIR imports run for minutes to hours; native events cover the fast path, so 5 minutes is a safety net.
    defaultScheduleMinutes: 5,
    nativeEvents: NATIVE_EVENT_SOURCES.healthlake,
  },
  healthimaging: {
    id: 'healthimaging',
    displayName: 'AWS HealthImaging',
    handlerEntry: entry('healthimaging'),
    iamActions: [
      'medical-imaging:ListDatastores',
      'medical-imaging:ListDICOMImportJobs',
      'medical-imaging:GetDICOMImportJob',
    ],
    endpointEnvSuffix: 'MEDICAL_IMAGING',
    enabledByDefault: true,
    defaultScheduleMinutes: 5,
    nativeEvents: NATIVE_EVENT_SOURCES.healthimaging,
  },
  healthomics: {
    id: 'healthomics',
    displayName: 'AWS HealthOmics',
    handlerEntry: entry('healthomics'),
    iamActions: ['omics:ListReferenceStores', 'omics:ListReferenceImportJobs', 'omics:GetReferenceImportJob'],
    endpointEnvSuffix: 'OMICS',
    enabledByDefault: true,
    // Get and List share 5 requests/second; native events carry the fast path.
    defaultScheduleMinutes: 5,
    nativeEvents: NATIVE_EVENT_SOURCES.healthomics,
  },
  entityresolution: {
    id: 'entityresolution',
    displayName: 'AWS Entity Resolution',
    handlerEntry: entry('entityresolution'),
    iamActions: [
      'entityresolution:ListIdMappingWorkflows',
      'entityresolution:ListIdMappingJobs',
      'entityresolution:GetIdMappingJob',
    ],
    endpointEnvSuffix: 'ENTITYRESOLUTION',
    enabledByDefault: true,
    // No native events: the schedule is the only way to see a change, so poll more often.
    defaultScheduleMinutes: 2,
    nativeEvents: undefined,
  },
  panorama: {
    id: 'panorama',
    displayName: 'AWS Panorama',
    handlerEntry: entry('panorama'),
    iamActions: ['panorama:ListPackageImportJobs', 'panorama:DescribePackageImportJob'],
    endpointEnvSuffix: 'PANORAMA',
    enabledByDefault: false,
    defaultScheduleMinutes: 5,
    nativeEvents: undefined,
    deprecationNotice:
      'AWS ended support for AWS Panorama on 2026-05-31; its poller is deployed only because it was asked for.',
  },
};
