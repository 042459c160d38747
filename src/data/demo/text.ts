/**
 * Writing helpers for the demo texts, one set per language: numbers with the language's decimal
 * comma or point and thousands separator, the patient as a noun phrase ("a 28-year-old woman",
 * "una mujer de 28 años"), gender agreement and phrasing variants. Pure string code: no `Intl`,
 * whose output depends on the ICU version, so the texts are the same on every machine.
 */
import type { Lang } from '../lang.js';
import type { Draw } from './draw.js';

export type Sex = 'female' | 'male';

/** `units / 10^decimals` written exactly with a point: (383, 1) → "38.3", (7, 2) → "0.07". */
export function fixed(units: number, decimals: number): string {
  if (!Number.isSafeInteger(units) || !Number.isInteger(decimals) || decimals < 0) {
    throw new RangeError(`fixed needs a safe integer and a number of decimals, got ${units}, ${decimals}`);
  }
  const digits = String(Math.abs(units)).padStart(decimals + 1, '0');
  const sign = units < 0 ? '-' : '';
  if (decimals === 0) return sign + digits;
  return `${sign}${digits.slice(0, -decimals)}.${digits.slice(-decimals)}`;
}

interface NumberStyle {
  decimal: string;
  group: string;
  /** Integer parts from this value up are grouped by thousands. */
  groupFrom: number;
}

const NUMBER_STYLE: Readonly<Record<Lang, NumberStyle>> = {
  en: { decimal: '.', group: ',', groupFrom: 1000 },
  es: { decimal: ',', group: '.', groupFrom: 10000 },
  fr: { decimal: ',', group: ' ', groupFrom: 10000 },
  pt: { decimal: ',', group: '.', groupFrom: 10000 },
};

/** A number in the style of `lang`: `units / 10^decimals`, e.g. ('es', 15400, 0) → "15.400". */
export function formatNumber(lang: Lang, units: number, decimals = 0): string {
  const style = NUMBER_STYLE[lang];
  const [whole, frac] = fixed(units, decimals).split('.') as [string, string | undefined];
  const neg = whole.startsWith('-');
  const abs = neg ? whole.slice(1) : whole;
  let grouped = abs;
  if (Number(abs) >= style.groupFrom) grouped = abs.replace(/\B(?=(\d{3})+$)/g, style.group);
  return `${neg ? '-' : ''}${grouped}${frac === undefined ? '' : style.decimal + frac}`;
}

/** The patient as an indefinite noun phrase, e.g. "a 28-year-old woman", "un garçon de 3 ans". */
export function personPhrase(lang: Lang, age: number, sex: Sex): string {
  const f = sex === 'female';
  const child = age < 12;
  const teen = !child && age < 18;
  switch (lang) {
    case 'en': {
      const noun = age < 18 ? (f ? 'girl' : 'boy') : f ? 'woman' : 'man';
      return `${englishArticle(age)} ${age}-year-old ${noun}`;
    }
    case 'es': {
      const noun = child ? (f ? 'una niña' : 'un niño') : teen ? (f ? 'una adolescente' : 'un adolescente') : f ? 'una mujer' : 'un varón';
      return `${noun} de ${age} ${age === 1 ? 'año' : 'años'}`;
    }
    case 'fr': {
      const noun = child ? (f ? 'une fillette' : 'un garçon') : teen ? (f ? 'une adolescente' : 'un adolescent') : f ? 'une femme' : 'un homme';
      return `${noun} de ${age} ${age === 1 ? 'an' : 'ans'}`;
    }
    case 'pt': {
      const noun = child ? (f ? 'uma menina' : 'um menino') : teen ? (f ? 'uma adolescente' : 'um adolescente') : f ? 'uma mulher' : 'um homem';
      return `${noun} de ${age} ${age === 1 ? 'ano' : 'anos'}`;
    }
  }
}

/** "an" before numbers said with a leading vowel sound (8, 11, 18, 80–89), else "a". */
function englishArticle(n: number): string {
  return String(n).startsWith('8') || n === 11 || n === 18 ? 'an' : 'a';
}

/** The first letter in upper case. */
export function cap(s: string): string {
  return s.length === 0 ? s : s[0]!.toUpperCase() + s.slice(1);
}

/** What a scenario's text functions get: the language's writing helpers, bound to one patient. */
export class Writer {
  constructor(
    readonly lang: Lang,
    readonly age: number,
    readonly sex: Sex,
    private readonly draw: Draw,
  ) {}

  /** `units / 10^decimals` in the language's style: dec(383, 1) → "38.3" (en) or "38,3". */
  dec(units: number, decimals: number): string {
    return formatNumber(this.lang, units, decimals);
  }

  /** An integer with the language's thousands separator. */
  int(n: number): string {
    return formatNumber(this.lang, n, 0);
  }

  /** The masculine or the feminine form, by the patient's sex. */
  g<T>(masculine: T, feminine: T): T {
    return this.sex === 'female' ? feminine : masculine;
  }

  /** One of several equivalent phrasings. */
  pick<T>(variants: readonly T[]): T {
    return this.draw.pick(variants);
  }

  /** The patient as an indefinite noun phrase ("a 28-year-old woman", "una mujer de 28 años"). */
  get person(): string {
    return personPhrase(this.lang, this.age, this.sex);
  }

  /** The same, capitalized for the start of a sentence. */
  get Person(): string {
    return cap(this.person);
  }
}
