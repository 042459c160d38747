/**
 * Acute pyelonephritis in a young woman: cystitis symptoms, then fever with chills and flank pain,
 * costovertebral tenderness, leukocytosis, a positive urine dipstick, no obstruction on
 * ultrasound, Escherichia coli in the urine (sometimes also in blood cultures), ceftriaxone then
 * oral ciprofloxacin for seven days in all.
 */
import type { Draw } from '../draw.js';
import type { CaseText, PatientFacts, Scenario } from '../scenario.js';
import type { Writer } from '../text.js';

interface Facts extends PatientFacts {
  days: number;
  urinaryDays: number;
  side: 'right' | 'left';
  /** Tenths of °C. */
  temp: number;
  heartRate: number;
  systolic: number;
  diastolic: number;
  wbc: number;
  crp: number;
  /** Hundredths of mg/dL. */
  creatinine: number;
  bacteremia: boolean;
  afebrileHours: number;
  dischargeDay: number;
}

function draw(d: Draw): Facts {
  const afebrileHours = d.pick([36, 48, 72]);
  return {
    age: d.int(19, 48),
    sex: 'female',
    days: d.int(2, 4),
    urinaryDays: d.int(3, 5),
    side: d.chance(0.6) ? 'right' : 'left',
    temp: d.int(386, 398),
    heartRate: d.int(100, 118),
    systolic: d.int(104, 128),
    diastolic: d.int(60, 78),
    wbc: d.step(13500, 21000, 100),
    crp: d.int(90, 230),
    creatinine: d.int(62, 108),
    bacteremia: d.chance(0.3),
    afebrileHours,
    dischargeDay: Math.ceil(afebrileHours / 24) + 1,
  };
}

function en(f: Facts, w: Writer): CaseText {
  const p1 = [
    `${w.Person} with no relevant history presented with ${f.days} days of fever with chills and ${f.side} flank pain, preceded by ${f.urinaryDays} days of burning on urination and frequency.`,
    'She also had nausea without vomiting.',
  ];
  const p2 = [
    `On examination the temperature was ${w.dec(f.temp, 1)} °C, the heart rate ${f.heartRate} beats per minute and blood pressure ${f.systolic}/${f.diastolic} mmHg, with marked tenderness of the ${f.side} costovertebral angle.`,
    `Blood tests showed a white cell count of ${w.int(f.wbc)}/µL, C-reactive protein ${f.crp} mg/L and creatinine ${w.dec(f.creatinine, 2)} mg/dL.`,
    'The urine dipstick was positive for leukocyte esterase and nitrites, and a pregnancy test was negative.',
    'Renal ultrasound showed no hydronephrosis or stones.',
  ];
  const p3 = [
    'Acute pyelonephritis was diagnosed, and intravenous ceftriaxone 1 g daily was started after blood and urine cultures.',
    `The urine culture grew more than 100,000 CFU/mL of Escherichia coli resistant to ampicillin and susceptible to ceftriaxone and ciprofloxacin${f.bacteremia ? '; the same organism grew in blood cultures' : ', and blood cultures were negative'}.`,
    `She was afebrile after ${f.afebrileHours} hours, was switched to oral ciprofloxacin 500 mg twice daily to complete seven days of treatment and was discharged on day ${f.dischargeDay}.`,
    'At the follow-up visit she was well.',
  ];
  const summary = [
    `${w.Person} presented with ${f.days} days of fever, chills and ${f.side} flank pain after several days of dysuria, with leukocytosis (${w.int(f.wbc)}/µL) and a positive urine dipstick.`,
    `Acute pyelonephritis due to Escherichia coli${f.bacteremia ? ' with bacteremia' : ''} was treated with ceftriaxone and then oral ciprofloxacin, with a good outcome.`,
  ];
  return { report: [p1.join(' '), p2.join(' '), p3.join(' ')], summary: summary.join(' '), diagnosis: 'acute pyelonephritis', shared: [w.person, `${w.int(f.wbc)}/µL`] };
}

function es(f: Facts, w: Writer): CaseText {
  const side = f.side === 'right' ? 'derecha' : 'izquierda';
  const p1 = [
    `${w.Person}, sin antecedentes de interés, consultó por fiebre con escalofríos y dolor en la fosa renal ${side} de ${f.days} días de evolución, precedidos de ${f.urinaryDays} días de disuria y polaquiuria.`,
    'Refería además náuseas sin vómitos.',
  ];
  const p2 = [
    `En la exploración presentaba una temperatura de ${w.dec(f.temp, 1)} °C, frecuencia cardíaca de ${f.heartRate} lpm y presión arterial de ${f.systolic}/${f.diastolic} mmHg, con puñopercusión renal ${side} positiva.`,
    `La analítica mostró leucocitosis de ${w.int(f.wbc)}/mm³, proteína C reactiva de ${f.crp} mg/L y creatinina de ${w.dec(f.creatinine, 2)} mg/dL.`,
    'La tira reactiva de orina fue positiva para leucocitos y nitritos, y la prueba de embarazo fue negativa.',
    'La ecografía renal no mostró hidronefrosis ni litiasis.',
  ];
  const p3 = [
    'Con el diagnóstico de pielonefritis aguda, se extrajeron hemocultivos y urocultivo y se inició ceftriaxona intravenosa a 1 g cada 24 horas.',
    `En el urocultivo crecieron más de 100.000 UFC/mL de Escherichia coli resistente a ampicilina y sensible a ceftriaxona y ciprofloxacino${f.bacteremia ? '; los hemocultivos aislaron el mismo microorganismo' : ', y los hemocultivos fueron negativos'}.`,
    `Quedó afebril a las ${f.afebrileHours} horas, se pasó a ciprofloxacino oral 500 mg cada 12 horas hasta completar siete días y fue dada de alta tras ${f.dischargeDay} días de ingreso.`,
    'En la revisión posterior se encontraba asintomática.',
  ];
  const summary = [
    `${w.Person} consultó por fiebre, escalofríos y dolor en la fosa renal ${side} de ${f.days} días, tras varios días de disuria, con leucocitosis (${w.int(f.wbc)}/mm³) y tira de orina positiva.`,
    `La pielonefritis aguda por Escherichia coli${f.bacteremia ? ' con bacteriemia' : ''} se trató con ceftriaxona y después ciprofloxacino oral, con buena evolución.`,
  ];
  return { report: [p1.join(' '), p2.join(' '), p3.join(' ')], summary: summary.join(' '), diagnosis: 'pielonefritis aguda', shared: [w.person, `${w.int(f.wbc)}/mm³`] };
}

function fr(f: Facts, w: Writer): CaseText {
  const right = f.side === 'right';
  const p1 = [
    `${w.Person}, sans antécédent notable, a consulté pour une fièvre avec frissons et une douleur lombaire ${right ? 'droite' : 'gauche'} évoluant depuis ${f.days} jours, précédées de ${f.urinaryDays} jours de brûlures mictionnelles et de pollakiurie.`,
    'Elle signalait aussi des nausées sans vomissement.',
  ];
  const p2 = [
    `À l'examen, la température était de ${w.dec(f.temp, 1)} °C, la fréquence cardiaque de ${f.heartRate}/min et la pression artérielle de ${f.systolic}/${f.diastolic} mmHg, avec un ébranlement lombaire ${right ? 'droit' : 'gauche'} douloureux.`,
    `La biologie montrait une hyperleucocytose à ${w.int(f.wbc)}/mm³, une protéine C réactive à ${f.crp} mg/L et une créatininémie à ${Math.round((f.creatinine * 884) / 1000)} µmol/L.`,
    'La bandelette urinaire était positive pour les leucocytes et les nitrites, et le test de grossesse était négatif.',
    "L'échographie rénale ne montrait ni dilatation des cavités pyélocalicielles ni lithiase.",
  ];
  const p3 = [
    'Le diagnostic de pyélonéphrite aiguë a été posé et, après hémocultures et examen cytobactériologique des urines, une ceftriaxone intraveineuse à 1 g par jour a été débutée.',
    `L'ECBU a isolé plus de 100 000 UFC/mL d'Escherichia coli résistant à l'ampicilline et sensible à la ceftriaxone et à la ciprofloxacine${f.bacteremia ? ', également isolé dans les hémocultures' : ', et les hémocultures étaient stériles'}.`,
    `L'apyrexie a été obtenue en ${f.afebrileHours} heures ; le relais a été pris par ciprofloxacine per os 500 mg deux fois par jour pour une durée totale de sept jours, et la patiente est sortie à J${f.dischargeDay}.`,
    'Elle était asymptomatique à la consultation de contrôle.',
  ];
  const summary = [
    `${w.Person} a consulté pour une fièvre et une douleur lombaire ${right ? 'droite' : 'gauche'} depuis ${f.days} jours, après des brûlures mictionnelles, avec hyperleucocytose (${w.int(f.wbc)}/mm³) et bandelette urinaire positive.`,
    `La pyélonéphrite aiguë à Escherichia coli${f.bacteremia ? ' bactériémique' : ''} a été traitée par ceftriaxone puis ciprofloxacine orale, avec une évolution favorable.`,
  ];
  return { report: [p1.join(' '), p2.join(' '), p3.join(' ')], summary: summary.join(' '), diagnosis: 'pyélonéphrite aiguë', shared: [w.person, `${w.int(f.wbc)}/mm³`] };
}

function pt(f: Facts, w: Writer): CaseText {
  const side = f.side === 'right' ? 'direita' : 'esquerda';
  const p1 = [
    `${w.Person}, sem antecedentes relevantes, procurou o pronto-socorro por febre com calafrios e dor lombar à ${side} havia ${f.days} dias, precedidas por ${f.urinaryDays} dias de disúria e polaciúria.`,
    'Referia também náuseas, sem vômitos.',
  ];
  const p2 = [
    `Ao exame, apresentava temperatura de ${w.dec(f.temp, 1)} °C, frequência cardíaca de ${f.heartRate} bpm e pressão arterial de ${f.systolic}/${f.diastolic} mmHg, com sinal de Giordano positivo à ${side}.`,
    `Os exames mostraram leucocitose de ${w.int(f.wbc)}/mm³, proteína C reativa de ${f.crp} mg/L e creatinina de ${w.dec(f.creatinine, 2)} mg/dL.`,
    'O exame de urina mostrou leucocitúria e nitrito positivo, e o teste de gravidez foi negativo.',
    'A ultrassonografia dos rins não mostrou hidronefrose nem cálculos.',
  ];
  const p3 = [
    'Com o diagnóstico de pielonefrite aguda, foram colhidas hemoculturas e urocultura e iniciada ceftriaxona intravenosa 1 g por dia.',
    `A urocultura mostrou mais de 100.000 UFC/mL de Escherichia coli resistente à ampicilina e sensível à ceftriaxona e ao ciprofloxacino${f.bacteremia ? '; as hemoculturas isolaram o mesmo agente' : ', e as hemoculturas foram negativas'}.`,
    `A paciente ficou afebril após ${f.afebrileHours} horas, passou para ciprofloxacino oral 500 mg a cada 12 horas até completar sete dias e recebeu alta no ${f.dischargeDay}º dia.`,
    'No retorno, estava assintomática.',
  ];
  const summary = [
    `${w.Person} apresentou febre, calafrios e dor lombar à ${side} havia ${f.days} dias, após alguns dias de disúria, com leucocitose (${w.int(f.wbc)}/mm³) e nitrito positivo na urina.`,
    `A pielonefrite aguda por Escherichia coli${f.bacteremia ? ', com bacteriemia,' : ''} foi tratada com ceftriaxona e depois ciprofloxacino oral, com boa evolução.`,
  ];
  return { report: [p1.join(' '), p2.join(' '), p3.join(' ')], summary: summary.join(' '), diagnosis: 'pielonefrite aguda', shared: [w.person, `${w.int(f.wbc)}/mm³`] };
}

export const pyelonephritis: Scenario<Facts> = { id: 'pyelonephritis', draw, text: { en, es, fr, pt } };
