/** Types for the `snowball-stemmers` npm package (a JavaScript port of the Snowball stemmers). */
declare module 'snowball-stemmers' {
  interface SnowballStemmer {
    stem(word: string): string;
  }
  interface SnowballFactory {
    newStemmer(language: string): SnowballStemmer;
    algorithms(): string[];
  }
  const factory: SnowballFactory;
  export default factory;
}
