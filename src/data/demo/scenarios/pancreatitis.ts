/**
 * Mild acute biliary pancreatitis: epigastric pain radiating to the back after a fatty meal,
 * lipase above three times the upper limit, cholestatic liver tests, gallstones on ultrasound, a
 * BISAP score computed from the drawn values (SIRS, age over 60, pleural effusion), fluids and
 * analgesia, cholecystectomy during the same admission, no organ failure.
 */
import type { Draw } from '../draw.js';
import type { CaseText, PatientFacts, Scenario } from '../scenario.js';
import type { Writer } from '../text.js';

interface Facts extends PatientFacts {
  hours: number;
  /** Tenths of °C. */
  temp: number;
  heartRate: number;
  systolic: number;
  diastolic: number;
  /** U/L (upper reference limit 60). */
  lipase: number;
  alt: number;
  /** Tenths of mg/dL. */
  bilirubin: number;
  wbc: number;
  /** Common bile duct diameter, mm. */
  duct: number;
  effusion: boolean;
  bisap: number;
  feedHours: number;
  crp: number;
  surgeryDay: number;
}

const LIPASE_ULN = 60;

function draw(d: Draw): Facts {
  const age = d.int(38, 80);
  const temp = d.int(369, 382);
  const heartRate = d.int(96, 118);
  const wbc = d.step(9800, 16800, 100);
  const effusion = d.chance(0.2);
  // SIRS: two or more of temperature > 38 °C, heart rate > 90, white cells > 12,000 (respiratory rate not drawn).
  const sirs = Number(temp > 380) + Number(heartRate > 90) + Number(wbc > 12000) >= 2;
  return {
    age,
    sex: d.chance(0.6) ? 'female' : 'male',
    hours: d.int(6, 24),
    temp,
    heartRate,
    systolic: d.int(110, 150),
    diastolic: d.int(66, 90),
    lipase: d.step(900, 4800, 10),
    alt: d.int(120, 380),
    bilirubin: d.int(14, 32),
    wbc,
    duct: d.int(5, 8),
    effusion,
    bisap: Number(sirs) + Number(age > 60) + Number(effusion),
    feedHours: d.pick([24, 36, 48]),
    crp: d.int(60, 220),
    surgeryDay: d.int(3, 5),
  };
}

function en(f: Facts, w: Writer): CaseText {
  const pr = w.g('he', 'she');
  const Pr = w.g('He', 'She');
  const p1 = [
    `${w.Person} with no relevant history presented with ${f.hours} hours of severe, constant epigastric pain radiating to the back, which had started a few hours after a fatty meal, with repeated vomiting.`,
    `${Pr} drank alcohol only occasionally.`,
  ];
  const p2 = [
    `On examination ${pr} had a temperature of ${w.dec(f.temp, 1)} °C, a heart rate of ${f.heartRate} beats per minute and blood pressure of ${f.systolic}/${f.diastolic} mmHg; the epigastrium was tender without guarding.`,
    `Lipase was ${w.int(f.lipase)} U/L (${Math.round(f.lipase / LIPASE_ULN)} times the upper limit of normal), alanine aminotransferase ${f.alt} U/L, total bilirubin ${w.dec(f.bilirubin, 1)} mg/dL and white cell count ${w.int(f.wbc)}/µL; triglycerides and calcium were normal.`,
    `Abdominal ultrasound showed a gallbladder with multiple stones, a common bile duct of ${f.duct} mm and a swollen pancreas${f.effusion ? ', with a small left pleural effusion' : ''}.`,
  ];
  const p3 = [
    `Acute pancreatitis of biliary origin was diagnosed, with a BISAP score of ${f.bisap}.`,
    `${Pr} was treated with intravenous Ringer's lactate, analgesia and antiemetics; oral feeding resumed after ${f.feedHours} hours, and C-reactive protein peaked at ${f.crp} mg/L at 48 hours.`,
    `Magnetic resonance cholangiography showed no bile duct stones, and laparoscopic cholecystectomy was performed on day ${f.surgeryDay}.`,
    `${Pr} went home the next day, having had no organ failure at any point, consistent with mild disease.`,
  ];
  const summary = [
    `${w.Person} presented with ${f.hours} hours of epigastric pain radiating to the back and vomiting, with a lipase of ${w.int(f.lipase)} U/L and gallstones on ultrasound.`,
    `Mild acute pancreatitis of biliary origin was managed with fluids and analgesia, followed by laparoscopic cholecystectomy on day ${f.surgeryDay}.`,
  ];
  return { report: [p1.join(' '), p2.join(' '), p3.join(' ')], summary: summary.join(' '), diagnosis: 'acute pancreatitis', shared: [w.person, `${w.int(f.lipase)} U/L`] };
}

function es(f: Facts, w: Writer): CaseText {
  const p1 = [
    `${w.Person}, sin antecedentes de interés, consultó por dolor epigástrico intenso y continuo irradiado en cinturón hacia la espalda, de ${f.hours} horas de evolución, iniciado unas horas después de una comida copiosa y acompañado de vómitos repetidos.`,
    'El consumo de alcohol era ocasional.',
  ];
  const p2 = [
    `En la exploración presentaba una temperatura de ${w.dec(f.temp, 1)} °C, frecuencia cardíaca de ${f.heartRate} lpm y presión arterial de ${f.systolic}/${f.diastolic} mmHg, con dolor a la palpación en epigastrio sin signos de irritación peritoneal.`,
    `La lipasa era de ${w.int(f.lipase)} U/L (${Math.round(f.lipase / LIPASE_ULN)} veces el límite superior de la normalidad), la alanina aminotransferasa de ${f.alt} U/L, la bilirrubina total de ${w.dec(f.bilirubin, 1)} mg/dL y los leucocitos de ${w.int(f.wbc)}/mm³; los triglicéridos y el calcio eran normales.`,
    `La ecografía abdominal mostró una vesícula con múltiples cálculos, una vía biliar principal de ${f.duct} mm y un páncreas aumentado de tamaño${f.effusion ? ', con un pequeño derrame pleural izquierdo' : ''}.`,
  ];
  const p3 = [
    `Se diagnosticó pancreatitis aguda de origen biliar, con una puntuación BISAP de ${f.bisap}.`,
    `Se trató con sueroterapia intravenosa con Ringer lactato, analgesia y antieméticos; la dieta oral se reintrodujo a las ${f.feedHours} horas, y la proteína C reactiva alcanzó un máximo de ${f.crp} mg/L a las 48 horas.`,
    `La colangiorresonancia descartó coledocolitiasis, y se realizó una colecistectomía laparoscópica el día ${f.surgeryDay} de ingreso.`,
    `Fue ${w.g('dado', 'dada')} de alta al día siguiente sin haber presentado fallo orgánico, por lo que se consideró una pancreatitis leve.`,
  ];
  const summary = [
    `${w.Person} consultó por dolor epigástrico irradiado a la espalda y vómitos de ${f.hours} horas, con lipasa de ${w.int(f.lipase)} U/L y colelitiasis en la ecografía.`,
    `La pancreatitis aguda biliar, de curso leve, se trató con fluidoterapia y analgesia, seguida de colecistectomía laparoscópica el día ${f.surgeryDay} de ingreso.`,
  ];
  return { report: [p1.join(' '), p2.join(' '), p3.join(' ')], summary: summary.join(' '), diagnosis: 'pancreatitis aguda', shared: [w.person, `${w.int(f.lipase)} U/L`] };
}

function fr(f: Facts, w: Writer): CaseText {
  const Pr = w.g('Il', 'Elle');
  const p1 = [
    `${w.Person}, sans antécédent notable, a consulté pour une douleur épigastrique intense, permanente et transfixiante évoluant depuis ${f.hours} heures, survenue quelques heures après un repas riche en graisses et accompagnée de vomissements répétés.`,
    "La consommation d'alcool était occasionnelle.",
  ];
  const p2 = [
    `À l'examen, la température était de ${w.dec(f.temp, 1)} °C, la fréquence cardiaque de ${f.heartRate}/min et la pression artérielle de ${f.systolic}/${f.diastolic} mmHg ; l'épigastre était sensible, sans défense.`,
    `La lipasémie était à ${w.int(f.lipase)} UI/L (${Math.round(f.lipase / LIPASE_ULN)} fois la normale), les ALAT à ${f.alt} UI/L, la bilirubine totale à ${Math.round(f.bilirubin * 1.71)} µmol/L et les leucocytes à ${w.int(f.wbc)}/mm³ ; la triglycéridémie et la calcémie étaient normales.`,
    `L'échographie abdominale montrait une vésicule lithiasique, une voie biliaire principale de ${f.duct} mm et un pancréas augmenté de volume${f.effusion ? ', avec un petit épanchement pleural gauche' : ''}.`,
  ];
  const p3 = [
    `Le diagnostic de pancréatite aiguë biliaire a été retenu, avec un score BISAP à ${f.bisap}.`,
    `Le traitement a associé une réhydratation intraveineuse par Ringer lactate, des antalgiques et des antiémétiques ; l'alimentation orale a été reprise après ${f.feedHours} heures, et la protéine C réactive a culminé à ${f.crp} mg/L à 48 heures.`,
    `La cholangio-IRM n'a pas montré de lithiase de la voie biliaire principale, et une cholécystectomie cœlioscopique a été réalisée à J${f.surgeryDay}.`,
    `${Pr} est ${w.g('sorti', 'sortie')} le lendemain, sans défaillance d'organe au cours du séjour, ce qui classait la pancréatite comme légère.`,
  ];
  const summary = [
    `${w.Person} a consulté pour une douleur épigastrique transfixiante avec vomissements depuis ${f.hours} heures, une lipasémie à ${w.int(f.lipase)} UI/L et une lithiase vésiculaire à l'échographie.`,
    `La pancréatite aiguë biliaire, d'évolution favorable, a été traitée par réhydratation et antalgiques, puis par cholécystectomie cœlioscopique à J${f.surgeryDay}.`,
  ];
  return { report: [p1.join(' '), p2.join(' '), p3.join(' ')], summary: summary.join(' '), diagnosis: 'pancréatite aiguë', shared: [w.person, `${w.int(f.lipase)} UI/L`] };
}

function pt(f: Facts, w: Writer): CaseText {
  const p1 = [
    `${w.Person}, sem antecedentes relevantes, procurou o pronto-socorro por dor epigástrica intensa e contínua, em faixa, irradiada para o dorso, com ${f.hours} horas de evolução, iniciada algumas horas após uma refeição gordurosa e acompanhada de vômitos repetidos.`,
    'Referia consumo apenas ocasional de álcool.',
  ];
  const p2 = [
    `Ao exame, apresentava temperatura de ${w.dec(f.temp, 1)} °C, frequência cardíaca de ${f.heartRate} bpm e pressão arterial de ${f.systolic}/${f.diastolic} mmHg, com dor à palpação do epigástrio, sem sinais de irritação peritoneal.`,
    `A lipase era de ${w.int(f.lipase)} U/L (${Math.round(f.lipase / LIPASE_ULN)} vezes o limite superior da normalidade), a alanina aminotransferase de ${f.alt} U/L, a bilirrubina total de ${w.dec(f.bilirubin, 1)} mg/dL e os leucócitos de ${w.int(f.wbc)}/mm³; triglicerídeos e cálcio estavam normais.`,
    `A ultrassonografia abdominal mostrou vesícula biliar com múltiplos cálculos, colédoco de ${f.duct} mm e pâncreas aumentado de volume${f.effusion ? ', além de pequeno derrame pleural à esquerda' : ''}.`,
  ];
  const p3 = [
    `Foi feito o diagnóstico de pancreatite aguda biliar, com escore BISAP de ${f.bisap}.`,
    `O tratamento incluiu hidratação venosa com Ringer lactato, analgesia e antieméticos; a dieta oral foi reintroduzida após ${f.feedHours} horas, e a proteína C reativa atingiu o pico de ${f.crp} mg/L em 48 horas.`,
    `A colangiorressonância não mostrou coledocolitíase, e a colecistectomia videolaparoscópica foi realizada no ${f.surgeryDay}º dia de internação.`,
    'Recebeu alta no dia seguinte, sem disfunção orgânica durante a internação, o que caracterizou a pancreatite como leve.',
  ];
  const summary = [
    `${w.Person} apresentou dor epigástrica em faixa e vômitos havia ${f.hours} horas, com lipase de ${w.int(f.lipase)} U/L e colelitíase à ultrassonografia.`,
    `A pancreatite aguda biliar, de evolução leve, foi tratada com hidratação e analgesia, seguida de colecistectomia videolaparoscópica no ${f.surgeryDay}º dia.`,
  ];
  return { report: [p1.join(' '), p2.join(' '), p3.join(' ')], summary: summary.join(' '), diagnosis: 'pancreatite aguda', shared: [w.person, `${w.int(f.lipase)} U/L`] };
}

export const pancreatitis: Scenario<Facts> = { id: 'pancreatitis', draw, text: { en, es, fr, pt } };
