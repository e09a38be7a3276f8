import { serviceFacts } from '../../lambdas/contract/services.js';
import type { ServiceDefinition } from '../../lambdas/core/service-definition.js';
import type { ServiceId } from '../../lambdas/core/service-id.js';
import { entityResolutionDefinition } from '../../lambdas/services/entityresolution/definition.js';
import { healthImagingDefinition } from '../../lambdas/services/healthimaging/definition.js';
import { healthLakeDefinition } from '../../lambdas/services/healthlake/definition.js';
import { healthOmicsDefinition } from '../../lambdas/services/healthomics/definition.js';
import { panoramaDefinition } from '../../lambdas/services/panorama/definition.js';
import type { DriverFactory, DriverOptions, ServiceDriver } from './driver.js';
import { entityResolutionDriver } from './entityresolution/driver.js';
import { entityResolutionLifecycle } from './entityresolution/lifecycle.js';
import { healthImagingDriver } from './healthimaging/driver.js';
import { healthImagingLifecycle } from './healthimaging/lifecycle.js';
import { healthLakeDriver } from './healthlake/driver.js';
import { healthLakeLifecycle } from './healthlake/lifecycle.js';
import { healthOmicsDriver } from './healthomics/driver.js';
import { healthOmicsLifecycle } from './healthomics/lifecycle.js';
import type { LifecycleModel } from './lifecycle.js';
import { panoramaDriver } from './panorama/driver.js';
import { panoramaLifecycle } from './panorama/lifecycle.js';

/**
 * Local mode's services, each listed once: its simulator driver (over its wire fake) and lifecycle, from
 * `local/services/<service>/`, with the service facts local mode reads from the functions' side (display
 * name, IAM actions, definition). The runner, the simulator and the chaos run read this, never a switch.
 */
export interface LocalService {
  readonly id: ServiceId;
  /** The name local mode's tables and lines show: the display name without its `AWS ` prefix. */
  readonly label: string;
  readonly definition: ServiceDefinition;
  /** The operations the poller calls, from its IAM actions: the ones worth throttling. */
  readonly operations: readonly string[];
  readonly lifecycle: LifecycleModel;
  /** The service's simulator driver, over a fresh fake. */
  createDriver(options: DriverOptions): ServiceDriver;
}

function localService(
  id: ServiceId,
  definition: ServiceDefinition,
  driver: DriverFactory,
  lifecycle: LifecycleModel,
): LocalService {
  const deployment = serviceFacts(id);
  // `healthlake:ListFHIRImportJobs` → `ListFHIRImportJobs`
  const operations = deployment.iamActions.map((action) => action.slice(action.indexOf(':') + 1));
  return {
    id,
    label: deployment.displayName.replace(/^AWS /, ''),
    definition,
    operations,
    lifecycle,
    createDriver: (options) => driver(id, operations, options),
  };
}

export const LOCAL_SERVICES: Readonly<Record<ServiceId, LocalService>> = {
  healthlake: localService('healthlake', healthLakeDefinition, healthLakeDriver, healthLakeLifecycle),
  healthimaging: localService(
    'healthimaging',
    healthImagingDefinition,
    healthImagingDriver,
    healthImagingLifecycle,
  ),
  healthomics: localService('healthomics', healthOmicsDefinition, healthOmicsDriver, healthOmicsLifecycle),
  entityresolution: localService(
    'entityresolution',
    entityResolutionDefinition,
    entityResolutionDriver,
    entityResolutionLifecycle,
  ),
  panorama: localService('panorama', panoramaDefinition, panoramaDriver, panoramaLifecycle),
};
