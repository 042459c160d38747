/**
 * ST-elevation myocardial infarction, inferior (right coronary artery, often with bradycardia)
 * or anterior (left anterior descending artery, lower ejection fraction): oppressive chest pain,
 * ST elevation with reciprocal depression in the matching leads, troponin rise, primary
 * angioplasty with a drug-eluting stent, secondary prevention and cardiac rehabilitation.
 */
import type { Draw } from '../draw.js';
import type { CaseText, PatientFacts, Scenario } from '../scenario.js';
import type { Writer } from '../text.js';

type RiskFactor = 'smoking' | 'hypertension' | 'diabetes' | 'dyslipidemia';

interface Facts extends PatientFacts {
  risks: [RiskFactor, RiskFactor];
  wall: 'inferior' | 'anterior';
  hours: number;
  radiation: 'arm' | 'jaw';
  heartRate: number;
  systolic: number;
  diastolic: number;
  /** ST elevation in mm. */
  st: number;
  /** High-sensitivity troponin T, ng/L, on arrival and at its peak. */
  troponin: number;
  troponinPeak: number;
  doorToBalloon: number;
  ejectionFraction: number;
  dischargeDay: number;
}

function draw(d: Draw): Facts {
  const wall = d.chance(0.5) ? 'inferior' : 'anterior';
  const risks = d.shuffle<RiskFactor>(['smoking', 'hypertension', 'diabetes', 'dyslipidemia']);
  return {
    age: d.int(44, 78),
    sex: d.chance(0.7) ? 'male' : 'female',
    risks: [risks[0]!, risks[1]!],
    wall,
    hours: d.int(1, 4),
    radiation: d.chance(0.6) ? 'arm' : 'jaw',
    heartRate: wall === 'inferior' ? d.int(48, 66) : d.int(88, 108),
    systolic: d.int(104, 146),
    diastolic: d.int(62, 88),
    st: d.int(2, 4),
    troponin: d.int(80, 600),
    troponinPeak: d.step(2400, 9800, 10),
    doorToBalloon: d.int(45, 85),
    ejectionFraction: wall === 'inferior' ? d.int(48, 58) : d.int(36, 48),
    dischargeDay: d.int(3, 5),
  };
}

const RISK = {
  en: { smoking: 'active smoking', hypertension: 'hypertension', diabetes: 'type 2 diabetes', dyslipidemia: 'dyslipidemia' },
  es: { smoking: 'tabaquismo activo', hypertension: 'hipertensión arterial', diabetes: 'diabetes tipo 2', dyslipidemia: 'dislipidemia' },
  fr: { smoking: 'tabagisme actif', hypertension: 'hypertension artérielle', diabetes: 'diabète de type 2', dyslipidemia: 'dyslipidémie' },
  pt: { smoking: 'tabagismo ativo', hypertension: 'hipertensão arterial', diabetes: 'diabetes tipo 2', dyslipidemia: 'dislipidemia' },
} as const;

/** French "de" with elision before a vowel or a mute h. */
function de(word: string): string {
  return /^[aeiouyhéèêàâîôû]/i.test(word) ? `d'${word}` : `de ${word}`;
}

function en(f: Facts, w: Writer): CaseText {
  const pr = w.g('he', 'she');
  const Pr = w.g('He', 'She');
  const inferior = f.wall === 'inferior';
  const risks = `${RISK.en[f.risks[0]]} and ${RISK.en[f.risks[1]]}`;
  const leads = inferior ? 'II, III and aVF' : 'V1 to V4';
  const hours = f.hours === 1 ? 'one hour' : `${f.hours} hours`;
  const p1 = [
    `${w.Person} with ${risks} presented ${hours} after the onset of oppressive retrosternal chest pain radiating to the ${f.radiation === 'arm' ? 'left arm' : 'jaw'}, with sweating and nausea.`,
    'The pain had started at rest and had not eased.',
  ];
  const p2 = [
    `On arrival ${pr} was pale and sweaty, with a heart rate of ${f.heartRate} beats per minute, blood pressure ${f.systolic}/${f.diastolic} mmHg and clear lungs (Killip class I).`,
    `The electrocardiogram showed ST-segment elevation of ${f.st} mm in leads ${leads} with reciprocal ST depression in ${inferior ? 'I and aVL' : 'II, III and aVF'}.`,
    `High-sensitivity troponin T was ${f.troponin} ng/L on arrival and peaked at ${w.int(f.troponinPeak)} ng/L.`,
  ];
  const p3 = [
    `With a diagnosis of ST-elevation myocardial infarction, ${pr} received aspirin, ticagrelor and heparin and was taken for primary angioplasty.`,
    `Coronary angiography showed a thrombotic occlusion of the proximal ${inferior ? 'right coronary artery' : 'left anterior descending artery'}, treated with a drug-eluting stent with TIMI 3 flow ${f.doorToBalloon} minutes after arrival.`,
    `Echocardiography showed ${f.wall} hypokinesia with a left ventricular ejection fraction of ${f.ejectionFraction}%.`,
    `${Pr} was discharged on day ${f.dischargeDay} on aspirin, ticagrelor, atorvastatin, bisoprolol and ramipril, and was referred to cardiac rehabilitation.`,
  ];
  const summary = [
    `${w.Person} presented with ${hours} of oppressive chest pain and ST elevation in leads ${leads}.`,
    `${inferior ? 'Inferior' : 'Anterior'} ST-elevation myocardial infarction from occlusion of the ${inferior ? 'right coronary artery' : 'left anterior descending artery'} was treated with primary angioplasty and a stent; the ejection fraction was ${f.ejectionFraction}% and ${pr} went home on day ${f.dischargeDay}.`,
  ];
  return { report: [p1.join(' '), p2.join(' '), p3.join(' ')], summary: summary.join(' '), diagnosis: 'myocardial infarction', shared: [w.person, `${f.ejectionFraction}%`, leads] };
}

function es(f: Facts, w: Writer): CaseText {
  const inferior = f.wall === 'inferior';
  const risks = `${RISK.es[f.risks[0]]} y ${RISK.es[f.risks[1]]}`;
  const leads = inferior ? 'II, III y aVF' : 'V1 a V4';
  const hours = f.hours === 1 ? 'una hora' : `${f.hours} horas`;
  const p1 = [
    `${w.Person}, con antecedentes de ${risks}, acudió a urgencias por dolor torácico retroesternal opresivo irradiado ${f.radiation === 'arm' ? 'al brazo izquierdo' : 'a la mandíbula'}, de ${hours} de evolución, acompañado de sudoración y náuseas.`,
    'El dolor había comenzado en reposo y no había cedido.',
  ];
  const p2 = [
    `A su llegada estaba ${w.g('pálido', 'pálida')} y ${w.g('sudoroso', 'sudorosa')}, con frecuencia cardíaca de ${f.heartRate} lpm, presión arterial de ${f.systolic}/${f.diastolic} mmHg y auscultación pulmonar normal (Killip I).`,
    `El electrocardiograma mostró elevación del segmento ST de ${f.st} mm en ${leads}, con descenso especular en ${inferior ? 'I y aVL' : 'II, III y aVF'}.`,
    `La troponina T ultrasensible fue de ${f.troponin} ng/L al ingreso, con un pico de ${w.int(f.troponinPeak)} ng/L.`,
  ];
  const p3 = [
    'Con el diagnóstico de infarto agudo de miocardio con elevación del ST, recibió ácido acetilsalicílico, ticagrelor y heparina y se realizó una angioplastia primaria.',
    `La coronariografía mostró una oclusión trombótica de la ${inferior ? 'coronaria derecha' : 'descendente anterior'} proximal, que se trató con un stent farmacoactivo con flujo TIMI 3 a los ${f.doorToBalloon} minutos de su llegada.`,
    `La ecocardiografía mostró hipocinesia ${f.wall} con una fracción de eyección del ventrículo izquierdo del ${f.ejectionFraction} %.`,
    `Fue ${w.g('dado', 'dada')} de alta tras ${f.dischargeDay} días de ingreso con ácido acetilsalicílico, ticagrelor, atorvastatina, bisoprolol y ramipril, y se ${w.g('le', 'la')} remitió a rehabilitación cardíaca.`,
  ];
  const summary = [
    `${w.Person} consultó por dolor torácico opresivo de ${hours} y elevación del ST en ${leads}.`,
    `Se diagnosticó un infarto agudo de miocardio ${f.wall} por oclusión de la ${inferior ? 'coronaria derecha' : 'descendente anterior'}, tratado con angioplastia primaria y stent; la fracción de eyección fue del ${f.ejectionFraction} % y recibió el alta tras ${f.dischargeDay} días.`,
  ];
  return { report: [p1.join(' '), p2.join(' '), p3.join(' ')], summary: summary.join(' '), diagnosis: 'infarto agudo de miocardio', shared: [w.person, `${f.ejectionFraction} %`, leads] };
}

function fr(f: Facts, w: Writer): CaseText {
  const pr = w.g('il', 'elle');
  const Pr = w.g('Il', 'Elle');
  const inferior = f.wall === 'inferior';
  const risks = `${de(RISK.fr[f.risks[0]])} et ${de(RISK.fr[f.risks[1]])}`;
  const leads = inferior ? 'DII, DIII et aVF' : 'V1 à V4';
  const artery = inferior ? 'de la coronaire droite' : "de l'interventriculaire antérieure";
  const hours = f.hours === 1 ? 'une heure' : `${f.hours} heures`;
  const p1 = [
    `${w.Person}, aux antécédents ${risks}, a consulté pour une douleur thoracique rétrosternale constrictive irradiant ${f.radiation === 'arm' ? 'dans le bras gauche' : 'à la mâchoire'}, évoluant depuis ${hours}, avec sueurs et nausées.`,
    'La douleur était survenue au repos et ne cédait pas.',
  ];
  const p2 = [
    `À l'arrivée, ${pr} était pâle et ${w.g('couvert', 'couverte')} de sueurs, avec une fréquence cardiaque de ${f.heartRate}/min, une pression artérielle de ${f.systolic}/${f.diastolic} mmHg et une auscultation pulmonaire normale (Killip I).`,
    `L'électrocardiogramme montrait un sus-décalage du segment ST de ${f.st} mm en ${leads}, avec un sous-décalage en miroir en ${inferior ? 'DI et aVL' : 'DII, DIII et aVF'}.`,
    `La troponine T ultrasensible était à ${f.troponin} ng/L à l'admission, avec un pic à ${w.int(f.troponinPeak)} ng/L.`,
  ];
  const p3 = [
    `Le diagnostic d'infarctus du myocarde avec sus-décalage du segment ST a été posé ; ${pr} a reçu de l'aspirine, du ticagrélor et de l'héparine avant une angioplastie primaire.`,
    `La coronarographie montrait une occlusion thrombotique ${artery} proximale, traitée par un stent actif avec un flux TIMI 3, ${f.doorToBalloon} minutes après l'arrivée.`,
    `L'échocardiographie retrouvait une hypokinésie ${inferior ? 'inférieure' : 'antérieure'} avec une fraction d'éjection ventriculaire gauche à ${f.ejectionFraction} %.`,
    `${Pr} est ${w.g('sorti', 'sortie')} à J${f.dischargeDay} sous aspirine, ticagrélor, atorvastatine, bisoprolol et ramipril, avec une orientation vers la réadaptation cardiaque.`,
  ];
  const summary = [
    `${w.Person} a consulté pour une douleur thoracique constrictive depuis ${hours} avec un sus-décalage du ST en ${leads}.`,
    `L'infarctus du myocarde ${inferior ? 'inférieur' : 'antérieur'}, dû à une occlusion ${artery}, a été traité par angioplastie primaire avec stent ; la fraction d'éjection était à ${f.ejectionFraction} % et ${pr} est ${w.g('sorti', 'sortie')} à J${f.dischargeDay}.`,
  ];
  return { report: [p1.join(' '), p2.join(' '), p3.join(' ')], summary: summary.join(' '), diagnosis: 'infarctus du myocarde', shared: [w.person, `${f.ejectionFraction} %`, leads] };
}

function pt(f: Facts, w: Writer): CaseText {
  const inferior = f.wall === 'inferior';
  const risks = `${RISK.pt[f.risks[0]]} e ${RISK.pt[f.risks[1]]}`;
  const leads = inferior ? 'DII, DIII e aVF' : 'V1 a V4';
  const artery = inferior ? 'coronária direita' : 'artéria descendente anterior';
  const hours = f.hours === 1 ? 'uma hora' : `${f.hours} horas`;
  const p1 = [
    `${w.Person}, com antecedentes de ${risks}, procurou o pronto-socorro por dor torácica retroesternal em aperto, irradiada para ${f.radiation === 'arm' ? 'o membro superior esquerdo' : 'a mandíbula'}, iniciada havia ${hours} e acompanhada de sudorese e náuseas.`,
    'A dor havia começado em repouso e não cedia.',
  ];
  const p2 = [
    `Na admissão, estava ${w.g('pálido', 'pálida')} e ${w.g('sudoreico', 'sudoreica')}, com frequência cardíaca de ${f.heartRate} bpm, pressão arterial de ${f.systolic}/${f.diastolic} mmHg e ausculta pulmonar normal (Killip I).`,
    `O eletrocardiograma mostrou supradesnivelamento do segmento ST de ${f.st} mm em ${leads}, com infradesnivelamento recíproco em ${inferior ? 'DI e aVL' : 'DII, DIII e aVF'}.`,
    `A troponina T ultrassensível era de ${f.troponin} ng/L na admissão, com pico de ${w.int(f.troponinPeak)} ng/L.`,
  ];
  const p3 = [
    `Com o diagnóstico de infarto agudo do miocárdio com supradesnivelamento do segmento ST, recebeu ácido acetilsalicílico, ticagrelor e heparina e foi ${w.g('encaminhado', 'encaminhada')} para angioplastia primária.`,
    `A cineangiocoronariografia mostrou oclusão trombótica da ${artery} proximal, tratada com stent farmacológico e fluxo TIMI 3, ${f.doorToBalloon} minutos após a chegada.`,
    `O ecocardiograma mostrou hipocinesia ${f.wall}, com fração de ejeção do ventrículo esquerdo de ${f.ejectionFraction}%.`,
    `Recebeu alta no ${f.dischargeDay}º dia em uso de ácido acetilsalicílico, ticagrelor, atorvastatina, bisoprolol e ramipril, com encaminhamento para reabilitação cardíaca.`,
  ];
  const summary = [
    `${w.Person} apresentou dor torácica em aperto havia ${hours} e supradesnivelamento do ST em ${leads}.`,
    `O infarto agudo do miocárdio de parede ${f.wall}, por oclusão da ${artery}, foi tratado com angioplastia primária e stent; a fração de ejeção era de ${f.ejectionFraction}%, e a alta ocorreu no ${f.dischargeDay}º dia.`,
  ];
  return { report: [p1.join(' '), p2.join(' '), p3.join(' ')], summary: summary.join(' '), diagnosis: 'infarto agudo do miocárdio', shared: [w.person, `${f.ejectionFraction}%`, leads] };
}

export const myocardialInfarction: Scenario<Facts> = { id: 'myocardial-infarction', draw, text: { en, es, fr, pt } };
