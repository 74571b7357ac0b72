/**
 * DescribeRegions (EC2 API Reference): the Regions enabled for the account, or with AllRegions every Region and its
 * OptInStatus (`opt-in-not-required` | `opted-in` | `not-opted-in`); filters `endpoint`, `opt-in-status`,
 * `region-name`. A Region is one AWS publishes (the SDK's partition data); a name of another is InvalidParameterValue,
 * as is a Region not enabled for the account named without AllRegions. The account's opt-in Regions are the emulator's
 * `optInRegions`; it lists the Regions it knows of (those named, those it keeps images in, the opt-in ones), not every one.
 */
import { partition } from '@aws-sdk/core/client';
import { ServiceError } from '../error-response.ts';
import { applyFilters } from '../listing.ts';
import type { Query } from '../query.ts';
import { filters, str, strings } from '../query.ts';
import { items } from '../xml.ts';
import { type Action, type Actions, reads } from './context.ts';

const published = (region: string) => (partition(region) as { description?: string }).description !== undefined;

const describeRegions: Action = (q, { options }) => {
  const named = strings(q, 'RegionName');
  const all = str(q, 'AllRegions') === 'true';
  const statusOf = (region: string) => options.optInRegions?.[region] ?? 'opt-in-not-required';
  const unknown = named.filter((r) => !published(r));
  if (unknown.length > 0) throw new ServiceError('InvalidParameterValue', `Invalid region names: ${unknown.join(', ')}`);
  const disabled = all ? [] : named.filter((r) => statusOf(r) === 'not-opted-in');
  if (disabled.length > 0) throw new ServiceError('InvalidParameterValue', `Invalid region names: ${disabled.join(', ')}`);
  const known = named.length > 0 ? named : [...new Set([options.region, ...Object.keys(options.optInRegions ?? {})])];
  const listed = known.filter((r) => all || statusOf(r) !== 'not-opted-in');
  const regions = applyFilters(listed, filters(q), {
    fields: {
      endpoint: (r) => [`ec2.${r}.amazonaws.com`],
      'opt-in-status': (r) => [statusOf(r)],
      'region-name': (r) => [r],
    },
    tags: () => [],
  });
  return {
    regionInfo: items(regions.map((r) => ({ regionName: r, regionEndpoint: `ec2.${r}.amazonaws.com`, optInStatus: statusOf(r) }))),
  };
};

export const regionActions: Actions<Query> = { DescribeRegions: reads(describeRegions) };
