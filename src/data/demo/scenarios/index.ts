/** Every scenario of the demo dataset, by id. */
import { caseMaker, type CaseMaker, type DemoScenario } from '../scenario.js';
import { appendicitis } from './appendicitis.js';
import { kawasaki } from './kawasaki.js';
import { ketoacidosis } from './ketoacidosis.js';
import { meningitis } from './meningitis.js';
import { myocardialInfarction } from './myocardial-infarction.js';
import { pancreatitis } from './pancreatitis.js';
import { pneumonia } from './pneumonia.js';
import { pulmonaryEmbolism } from './pulmonary-embolism.js';
import { pyelonephritis } from './pyelonephritis.js';
import { stroke } from './stroke.js';

export const SCENARIOS: Readonly<Record<DemoScenario, CaseMaker>> = Object.freeze({
  appendicitis: caseMaker(appendicitis),
  pneumonia: caseMaker(pneumonia),
  ketoacidosis: caseMaker(ketoacidosis),
  kawasaki: caseMaker(kawasaki),
  'pulmonary-embolism': caseMaker(pulmonaryEmbolism),
  stroke: caseMaker(stroke),
  'myocardial-infarction': caseMaker(myocardialInfarction),
  pancreatitis: caseMaker(pancreatitis),
  meningitis: caseMaker(meningitis),
  pyelonephritis: caseMaker(pyelonephritis),
});
