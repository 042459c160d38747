/**
 * Community-acquired pneumonia in an older adult with a chronic condition: fever, productive
 * cough, dyspnea, pleuritic pain, hypoxemia, lower-lobe consolidation, a CURB-65 score computed
 * from the drawn values, ceftriaxone plus azithromycin, oral step-down, discharge within a week.
 */
import type { Draw } from '../draw.js';
import type { CaseText, PatientFacts, Scenario } from '../scenario.js';
import type { Writer } from '../text.js';

type Condition = 'copd' | 'diabetes' | 'heart-failure';

interface Facts extends PatientFacts {
  condition: Condition;
  days: number;
  side: 'right' | 'left';
  /** Tenths of °C. */
  temp: number;
  heartRate: number;
  respRate: number;
  spo2: number;
  systolic: number;
  diastolic: number;
  wbc: number;
  crp: number;
  /** Tenths of mmol/L. */
  urea: number;
  curb65: number;
  pneumococcus: boolean;
  afebrileHours: number;
  oxygenDays: number;
  dischargeDay: number;
}

function draw(d: Draw): Facts {
  const age = d.int(58, 86);
  const respRate = d.int(20, 32);
  const systolic = d.int(98, 138);
  const diastolic = d.int(56, 82);
  const urea = d.int(48, 112);
  const oxygenDays = d.int(2, 4);
  return {
    age,
    sex: d.chance(0.5) ? 'female' : 'male',
    condition: d.pick(['copd', 'diabetes', 'heart-failure'] as const),
    days: d.int(3, 6),
    side: d.chance(0.6) ? 'right' : 'left',
    temp: d.int(384, 396),
    heartRate: d.int(96, 118),
    respRate,
    spo2: d.int(87, 93),
    systolic,
    diastolic,
    wbc: d.step(12800, 21400, 100),
    crp: d.int(110, 290),
    urea,
    curb65: Number(urea > 70) + Number(respRate >= 30) + Number(systolic < 90 || diastolic <= 60) + Number(age >= 65),
    pneumococcus: d.chance(0.55),
    afebrileHours: d.pick([36, 48, 60, 72]),
    oxygenDays,
    dischargeDay: oxygenDays + d.int(2, 3),
  };
}

/** Urea in mg/dL from tenths of mmol/L (1 mmol/L = 6.006 mg/dL), as Spanish and Brazilian labs report it. */
function ureaMgDl(tenthsMmol: number): number {
  return Math.round((tenthsMmol * 6006) / 10000);
}

const CONDITION = {
  en: { copd: ['chronic obstructive pulmonary disease', 'COPD'], diabetes: ['type 2 diabetes mellitus', 'type 2 diabetes'], 'heart-failure': ['chronic heart failure', 'heart failure'] },
  es: { copd: ['enfermedad pulmonar obstructiva crónica', 'EPOC'], diabetes: ['diabetes mellitus tipo 2', 'diabetes tipo 2'], 'heart-failure': ['insuficiencia cardíaca crónica', 'insuficiencia cardíaca'] },
  fr: { copd: ['de bronchopneumopathie chronique obstructive', 'de BPCO'], diabetes: ['de diabète de type 2', 'de diabète de type 2'], 'heart-failure': ["d'insuffisance cardiaque chronique", "d'insuffisance cardiaque"] },
  pt: { copd: ['doença pulmonar obstrutiva crônica', 'DPOC'], diabetes: ['diabetes mellitus tipo 2', 'diabetes tipo 2'], 'heart-failure': ['insuficiência cardíaca crônica', 'insuficiência cardíaca'] },
} as const;

function en(f: Facts, w: Writer): CaseText {
  const pr = w.g('he', 'she');
  const Pr = w.g('He', 'She');
  const [long, short] = CONDITION.en[f.condition];
  const p1 = [
    `${w.Person} with ${long} was admitted with ${f.days} days of fever, productive cough with purulent sputum and increasing shortness of breath.`,
    `${Pr} also described ${f.side}-sided chest pain on deep inspiration.`,
  ];
  const p2 = [
    `On admission ${pr} had a temperature of ${w.dec(f.temp, 1)} °C, a heart rate of ${f.heartRate} beats per minute, a respiratory rate of ${f.respRate} breaths per minute, blood pressure of ${f.systolic}/${f.diastolic} mmHg and an oxygen saturation of ${f.spo2}% on room air.`,
    `Auscultation revealed crackles and bronchial breath sounds at the ${f.side} lung base.`,
    `Blood tests showed a white cell count of ${w.int(f.wbc)}/µL, a C-reactive protein of ${f.crp} mg/L and a urea of ${w.dec(f.urea, 1)} mmol/L.`,
    `The chest radiograph showed consolidation of the ${f.side} lower lobe with air bronchograms and no pleural effusion.`,
    `The CURB-65 score was ${f.curb65}.`,
    f.pneumococcus ? 'The pneumococcal urinary antigen test was positive.' : 'Blood cultures and urinary antigen tests for pneumococcus and Legionella were negative.',
  ];
  const p3 = [
    'Community-acquired pneumonia was diagnosed, and intravenous ceftriaxone and oral azithromycin were started along with oxygen by nasal cannula.',
    `${Pr} was afebrile after ${f.afebrileHours} hours and no longer needed oxygen on day ${f.oxygenDays}.`,
    `Treatment was switched to oral ${f.pneumococcus ? 'amoxicillin' : 'amoxicillin-clavulanate'} to complete seven days, and ${pr} was discharged on day ${f.dischargeDay}.`,
    'A chest radiograph six weeks later showed complete resolution of the consolidation.',
  ];
  const summary = [
    `${w.Person} with ${short} presented with ${f.days} days of fever, productive cough and dyspnea, an oxygen saturation of ${f.spo2}% and ${f.side} lower lobe consolidation.`,
    `Community-acquired pneumonia${f.pneumococcus ? ' due to pneumococcus' : ''} was treated with ceftriaxone and azithromycin, and ${pr} was discharged on day ${f.dischargeDay}.`,
  ];
  return { report: [p1.join(' '), p2.join(' '), p3.join(' ')], summary: summary.join(' '), diagnosis: 'community-acquired pneumonia', shared: [w.person, `${f.spo2}%`] };
}

function es(f: Facts, w: Writer): CaseText {
  const [long, short] = CONDITION.es[f.condition];
  const right = f.side === 'right';
  const p1 = [
    `${w.Person}, con antecedentes de ${long}, ingresó por un cuadro de ${f.days} días de fiebre, tos productiva con expectoración purulenta y disnea progresiva.`,
    `Refería además dolor torácico ${right ? 'derecho' : 'izquierdo'} de características pleuríticas.`,
  ];
  const p2 = [
    `A su llegada presentaba una temperatura de ${w.dec(f.temp, 1)} °C, frecuencia cardíaca de ${f.heartRate} lpm, frecuencia respiratoria de ${f.respRate} rpm, presión arterial de ${f.systolic}/${f.diastolic} mmHg y saturación de oxígeno del ${f.spo2} % respirando aire ambiente.`,
    `En la auscultación se oían crepitantes y soplo tubárico en la base pulmonar ${right ? 'derecha' : 'izquierda'}.`,
    `En la analítica destacaban leucocitosis de ${w.int(f.wbc)}/mm³, proteína C reactiva de ${f.crp} mg/L y urea de ${ureaMgDl(f.urea)} mg/dL.`,
    `La radiografía de tórax mostró una consolidación en el lóbulo inferior ${right ? 'derecho' : 'izquierdo'} con broncograma aéreo, sin derrame pleural.`,
    `La puntuación CURB-65 fue de ${f.curb65}.`,
    f.pneumococcus ? 'El antígeno de neumococo en orina fue positivo.' : 'Los hemocultivos y los antígenos urinarios de neumococo y Legionella fueron negativos.',
  ];
  const p3 = [
    'Con el diagnóstico de neumonía adquirida en la comunidad se inició tratamiento con ceftriaxona intravenosa y azitromicina oral, junto con oxigenoterapia con gafas nasales.',
    `Quedó afebril a las ${f.afebrileHours} horas y el oxígeno pudo retirarse al cabo de ${f.oxygenDays} días.`,
    `Se pasó a ${f.pneumococcus ? 'amoxicilina' : 'amoxicilina-ácido clavulánico'} oral hasta completar siete días de tratamiento y fue ${w.g('dado', 'dada')} de alta tras ${f.dischargeDay} días de ingreso.`,
    'La radiografía de control a las seis semanas mostró la resolución completa de la consolidación.',
  ];
  const summary = [
    `${w.Person} con ${short} consultó por fiebre, tos productiva y disnea de ${f.days} días, con saturación de oxígeno del ${f.spo2} % y consolidación en el lóbulo inferior ${right ? 'derecho' : 'izquierdo'}.`,
    `La neumonía adquirida en la comunidad${f.pneumococcus ? ', de origen neumocócico,' : ''} se trató con ceftriaxona y azitromicina, con alta tras ${f.dischargeDay} días de ingreso.`,
  ];
  return { report: [p1.join(' '), p2.join(' '), p3.join(' ')], summary: summary.join(' '), diagnosis: 'neumonía adquirida en la comunidad', shared: [w.person, `${f.spo2} %`] };
}

function fr(f: Facts, w: Writer): CaseText {
  const pr = w.g('il', 'elle');
  const Pr = w.g('Il', 'Elle');
  const [long, short] = CONDITION.fr[f.condition];
  const right = f.side === 'right';
  const p1 = [
    `${w.Person}, aux antécédents ${long}, a été ${w.g('hospitalisé', 'hospitalisée')} pour une fièvre évoluant depuis ${f.days} jours, une toux productive avec expectoration purulente et une dyspnée d'aggravation progressive.`,
    `${Pr} décrivait aussi une douleur thoracique ${right ? 'droite' : 'gauche'} majorée à l'inspiration profonde.`,
  ];
  const p2 = [
    `À l'admission, la température était de ${w.dec(f.temp, 1)} °C, la fréquence cardiaque de ${f.heartRate}/min, la fréquence respiratoire de ${f.respRate}/min, la pression artérielle de ${f.systolic}/${f.diastolic} mmHg et la saturation en oxygène de ${f.spo2} % en air ambiant.`,
    `L'auscultation retrouvait des crépitants et un souffle tubaire à la base ${right ? 'droite' : 'gauche'}.`,
    `Le bilan biologique montrait une hyperleucocytose à ${w.int(f.wbc)}/mm³, une protéine C réactive à ${f.crp} mg/L et une urée à ${w.dec(f.urea, 1)} mmol/L.`,
    `La radiographie thoracique objectivait une condensation du lobe inférieur ${right ? 'droit' : 'gauche'} avec bronchogramme aérique, sans épanchement pleural.`,
    `Le score CURB-65 était de ${f.curb65}.`,
    f.pneumococcus ? "L'antigénurie pneumococcique était positive." : 'Les hémocultures et les antigénuries pneumocoque et légionelle étaient négatives.',
  ];
  const p3 = [
    "Le diagnostic de pneumonie aiguë communautaire a été posé et un traitement par ceftriaxone intraveineuse et azithromycine orale a été débuté, avec une oxygénothérapie aux lunettes.",
    `L'apyrexie a été obtenue en ${f.afebrileHours} heures et le sevrage en oxygène à J${f.oxygenDays}.`,
    `Le relais a été pris par ${f.pneumococcus ? 'amoxicilline' : 'amoxicilline-acide clavulanique'} per os pour une durée totale de sept jours, et ${pr} est ${w.g('sorti', 'sortie')} à J${f.dischargeDay}.`,
    'La radiographie de contrôle à six semaines montrait une disparition complète de la condensation.',
  ];
  const summary = [
    `${w.Person}, aux antécédents ${short}, a présenté une fièvre, une toux productive et une dyspnée depuis ${f.days} jours, avec une saturation à ${f.spo2} % et une condensation lobaire inférieure ${right ? 'droite' : 'gauche'}.`,
    `La pneumonie aiguë communautaire${f.pneumococcus ? ' à pneumocoque' : ''} a été traitée par ceftriaxone et azithromycine, avec une sortie à J${f.dischargeDay}.`,
  ];
  return { report: [p1.join(' '), p2.join(' '), p3.join(' ')], summary: summary.join(' '), diagnosis: 'pneumonie aiguë communautaire', shared: [w.person, `${f.spo2} %`] };
}

function pt(f: Facts, w: Writer): CaseText {
  const [long, short] = CONDITION.pt[f.condition];
  const right = f.side === 'right';
  const p1 = [
    `${w.Person}, com antecedente de ${long}, foi ${w.g('internado', 'internada')} por quadro de ${f.days} dias de febre, tosse produtiva com expectoração purulenta e dispneia progressiva.`,
    `Referia também dor torácica ${right ? 'à direita' : 'à esquerda'}, que piorava à inspiração profunda.`,
  ];
  const p2 = [
    `Na admissão, apresentava temperatura de ${w.dec(f.temp, 1)} °C, frequência cardíaca de ${f.heartRate} bpm, frequência respiratória de ${f.respRate} irpm, pressão arterial de ${f.systolic}/${f.diastolic} mmHg e saturação de oxigênio de ${f.spo2}% em ar ambiente.`,
    `À ausculta, havia estertores crepitantes e sopro tubário na base ${right ? 'direita' : 'esquerda'}.`,
    `Os exames laboratoriais mostraram leucocitose de ${w.int(f.wbc)}/mm³, proteína C reativa de ${f.crp} mg/L e ureia de ${ureaMgDl(f.urea)} mg/dL.`,
    `A radiografia de tórax evidenciou consolidação no lobo inferior ${right ? 'direito' : 'esquerdo'} com broncograma aéreo, sem derrame pleural.`,
    `O escore CURB-65 foi ${f.curb65}.`,
    f.pneumococcus ? 'O antígeno urinário para pneumococo foi positivo.' : 'As hemoculturas e os antígenos urinários para pneumococo e Legionella foram negativos.',
  ];
  const p3 = [
    'Com o diagnóstico de pneumonia adquirida na comunidade, foram iniciadas ceftriaxona intravenosa e azitromicina oral, além de oxigênio por cateter nasal.',
    `${w.g('O paciente', 'A paciente')} ficou afebril após ${f.afebrileHours} horas, e o oxigênio foi suspenso no ${f.oxygenDays}º dia.`,
    `O tratamento foi trocado para ${f.pneumococcus ? 'amoxicilina' : 'amoxicilina-clavulanato'} oral até completar sete dias, e a alta ocorreu no ${f.dischargeDay}º dia de internação.`,
    'A radiografia de controle após seis semanas mostrou resolução completa da consolidação.',
  ];
  const summary = [
    `${w.Person} com ${short} apresentou febre, tosse produtiva e dispneia havia ${f.days} dias, com saturação de oxigênio de ${f.spo2}% e consolidação no lobo inferior ${right ? 'direito' : 'esquerdo'}.`,
    `A pneumonia adquirida na comunidade${f.pneumococcus ? ', de etiologia pneumocócica,' : ''} foi tratada com ceftriaxona e azitromicina, com alta no ${f.dischargeDay}º dia de internação.`,
  ];
  return { report: [p1.join(' '), p2.join(' '), p3.join(' ')], summary: summary.join(' '), diagnosis: 'pneumonia adquirida na comunidade', shared: [w.person, `${f.spo2}%`] };
}

export const pneumonia: Scenario<Facts> = { id: 'pneumonia', draw, text: { en, es, fr, pt } };
