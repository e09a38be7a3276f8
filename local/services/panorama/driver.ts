import { defineDriver } from '../driver.js';
import { FakePanorama } from './fake.js';

/** Seeds Panorama's fake: package import jobs, which live in no scope, in PascalCase members. */
export const panoramaDriver = defineDriver({
  createFake: () => new FakePanorama(),
  submit: (fake, job) => {
    const [bucket, ...key] = (job.inputLocation ?? 's3://panorama-packages/package.tar.gz')
      .replace(/^s3:\/\//, '')
      .split('/');
    fake.addJob({
      JobId: job.jobId,
      Status: job.rawStatus,
      CreatedTime: job.submittedAt,
      ...(job.endedAt && { LastUpdatedTime: job.endedAt }),
      ...(job.message !== undefined && { StatusMessage: job.message }),
      InputS3Location: { BucketName: bucket ?? 'panorama-packages', ObjectKey: key.join('/') },
      ...(job.jobName !== undefined && {
        OutputConfig: { PackageName: job.jobName, PackageVersion: '1.0', MarkLatest: true },
      }),
    });
  },
  update: (fake, job, change) => {
    const output = change.packageOutput;
    fake.updateJob(undefined, job.jobId, {
      ...(change.rawStatus !== undefined && { Status: change.rawStatus }),
      ...(change.endedAt && { LastUpdatedTime: change.endedAt }),
      ...(change.message !== undefined && { StatusMessage: change.message }),
      ...(output && {
        Output: {
          PackageId: output.packageId,
          PackageVersion: output.version,
          PatchVersion: output.patch,
          OutputS3Location: {
            BucketName: 'panorama-packages',
            ObjectKey: `${output.packageId}/${output.patch}`,
          },
        },
      }),
    });
  },
});
