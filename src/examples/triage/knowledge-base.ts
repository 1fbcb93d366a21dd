/** A small offline help-centre, so the triage example answers questions without the network. */
export interface Article {
  id: string;
  title: string;
  /** Words a question about this article tends to contain. */
  keywords: string[];
  body: string;
}

export const ARTICLES: Article[] = [
  {
    id: 'KB-1',
    title: 'Shipping times',
    keywords: ['shipping', 'ship', 'delivery', 'deliver', 'arrive', 'when'],
    body: 'Orders ship within 1 business day; delivery takes 2–4 business days in the EU and 5–7 elsewhere. You get a tracking link by e-mail when the parcel leaves our warehouse.',
  },
  {
    id: 'KB-2',
    title: 'Returns and refunds',
    keywords: ['return', 'returns', 'refund', 'refunds', 'money', 'back'],
    body: 'You can return any item within 30 days. Refunds go back to the original payment method within 5 business days of the return arriving; for a broken item, reply with your order number and we refund it right away.',
  },
  {
    id: 'KB-3',
    title: 'Warranty',
    keywords: ['warranty', 'guarantee', 'repair', 'faulty', 'years'],
    body: 'Every machine has a 2-year warranty covering manufacturing faults. We repair or replace the machine; shipping both ways is on us.',
  },
  {
    id: 'KB-4',
    title: 'Descaling an espresso machine',
    keywords: ['descale', 'descaling', 'limescale', 'clean', 'cleaning', 'espresso'],
    body: 'Descale every 2–3 months: fill the tank with descaler and water 1:4, run half through the steam wand and half through the group head, then rinse with two full tanks of fresh water.',
  },
];

export interface SearchHit {
  id: string;
  title: string;
  body: string;
  /** Keywords of the article found in the query. */
  matched: string[];
}

/** Articles sharing at least one keyword with the query, best first. */
export function searchArticles(query: string, limit = 2): SearchHit[] {
  const words = new Set(query.toLowerCase().match(/[a-z]+/g) ?? []);
  return ARTICLES.map((a) => ({ id: a.id, title: a.title, body: a.body, matched: a.keywords.filter((k) => words.has(k)) }))
    .filter((h) => h.matched.length > 0)
    .sort((a, b) => b.matched.length - a.matched.length)
    .slice(0, limit);
}
