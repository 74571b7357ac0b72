/**
 * At deploy time, with the deploying account's credentials: the stage's Regions (its own and each copy region) that are
 * opt-in Regions not enabled for the account, which CloudFormation and EC2 would refuse later with less to go on. EC2
 * DescribeRegions with AllRegions says each one's OptInStatus (EC2 API Reference, DescribeRegions). Offline (`package`)
 * this cannot be known, and is not asked.
 */
import { DescribeRegionsCommand, EC2Client } from '@aws-sdk/client-ec2';

/** A Region a stage parameter names: the parameter (or its field) and the Region. */
export interface NamedRegion {
  parameter: string;
  region: string;
}

/** The stage's Regions by parameter: `region`, and each `distribute.regions[i].region` of a distribute that parses. */
export const stageRegions = (params: Readonly<Record<string, string | undefined>>): NamedRegion[] => {
  const own = params.region ? [{ parameter: 'region', region: params.region }] : [];
  try {
    const regions = (JSON.parse(params.distribute || '{}') as { regions?: { region?: unknown }[] }).regions ?? [];
    return [
      ...own,
      ...regions.flatMap((r, i) =>
        typeof r?.region === 'string' ? [{ parameter: `distribute: regions.${i}.region`, region: r.region }] : [],
      ),
    ];
  } catch {
    // A distribute that is not JSON is the offline check's to name.
    return own;
  }
};

/** One line for each Region that is an opt-in Region not enabled for the account, naming its parameter. */
export const optInProblems = async (ec2: EC2Client, named: readonly NamedRegion[]): Promise<string[]> => {
  if (named.length === 0) return [];
  const { Regions } = await ec2.send(
    new DescribeRegionsCommand({ AllRegions: true, RegionNames: [...new Set(named.map((n) => n.region))] }),
  );
  const disabled = new Set((Regions ?? []).filter((r) => r.OptInStatus === 'not-opted-in').map((r) => r.RegionName));
  return named
    .filter((n) => disabled.has(n.region))
    .map(
      (n) =>
        `${n.parameter}: "${n.region}" is an opt-in Region not enabled for this account; enable it (aws account enable-region --region-name ${n.region}) or choose another`,
    );
};

/**
 * As `osls deploy` asks it (infra/check-settings.cjs): EC2 in the stage's Region with the deploying environment's
 * credentials (the SDK's default chain: AWS_PROFILE, AWS_ACCESS_KEY_ID, ...). Its refusal or a missing credential
 * throws: the caller says the check could not be made and goes on.
 */
export const deployOptInProblems = (params: Readonly<Record<string, string | undefined>>): Promise<string[]> =>
  optInProblems(new EC2Client(params.region ? { region: params.region } : {}), stageRegions(params));
