/** A small offline reference table, so the research example runs without the network. */
export interface Fact {
  topic: string;
  value: number;
  unit: string;
  source: string;
}

export const FACTS: Fact[] = [
  { topic: 'population of france', value: 68_400_000, unit: 'people', source: 'INSEE 2024 estimate' },
  { topic: 'population of germany', value: 84_600_000, unit: 'people', source: 'Destatis 2024 estimate' },
  { topic: 'population of japan', value: 123_800_000, unit: 'people', source: 'Statistics Bureau of Japan 2024' },
  { topic: 'population of china', value: 1_408_000_000, unit: 'people', source: 'NBS China 2024' },
  { topic: 'area of france', value: 643_801, unit: 'km²', source: 'IGN' },
  { topic: 'area of germany', value: 357_588, unit: 'km²', source: 'Destatis' },
  { topic: 'speed of light', value: 299_792_458, unit: 'm/s', source: 'SI definition' },
  { topic: 'height of mount everest', value: 8_849, unit: 'm', source: '2020 China–Nepal survey' },
];

export function findFact(topic: string): Fact | undefined {
  const t = topic.toLowerCase().trim();
  return FACTS.find((f) => f.topic === t) ?? FACTS.find((f) => t.includes(f.topic) || f.topic.includes(t));
}
