/** The services the aggregator watches. The value is the id used in keys, events, settings and CLI flags. */
export const ServiceId = {
  HEALTHLAKE: 'healthlake',
  HEALTHIMAGING: 'healthimaging',
  HEALTHOMICS: 'healthomics',
  ENTITY_RESOLUTION: 'entityresolution',
  PANORAMA: 'panorama',
} as const;

export type ServiceId = (typeof ServiceId)[keyof typeof ServiceId];

export const SERVICE_IDS: readonly ServiceId[] = Object.values(ServiceId);

export function isServiceId(value: unknown): value is ServiceId {
  return typeof value === 'string' && (SERVICE_IDS as readonly string[]).includes(value);
}
