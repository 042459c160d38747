/**
 * Diabetic ketoacidosis in a young adult with type 1 diabetes, after stopping insulin or during a
 * gastroenteritis: polyuria, vomiting, Kussmaul breathing, hyperglycemia, acidosis with a high
 * anion gap (sodium − chloride − bicarbonate, drawn consistent), ketonemia; severity by the ADA
 * rule (severe when pH < 7.00 or bicarbonate < 10 mmol/L, else moderate); fluids and insulin.
 */
import type { Draw } from '../draw.js';
import type { CaseText, PatientFacts, Scenario } from '../scenario.js';
import type { Writer } from '../text.js';

interface Facts extends PatientFacts {
  years: number;
  trigger: 'omission' | 'gastroenteritis';
  days: number;
  heartRate: number;
  systolic: number;
  diastolic: number;
  /** Tenths of °C. */
  temp: number;
  /** mg/dL. */
  glucose: number;
  /** Hundredths. */
  ph: number;
  bicarbonate: number;
  anionGap: number;
  sodium: number;
  /** Tenths of mmol/L. */
  potassium: number;
  /** Tenths of mmol/L. */
  ketones: number;
  /** Hundredths of mg/dL. */
  creatinine: number;
  /** Tenths of %. */
  hba1c: number;
  severe: boolean;
  resolvedHours: number;
  dischargeDay: number;
}

function draw(d: Draw): Facts {
  const age = d.int(16, 34);
  const ph = d.int(696, 724);
  const bicarbonate = 5 + Math.round(((ph - 696) * 8) / 28) + d.int(0, 1); // 5–14 mmol/L, falling with the pH
  return {
    age,
    sex: d.chance(0.5) ? 'female' : 'male',
    years: d.int(2, Math.min(age - 4, 18)),
    trigger: d.chance(0.5) ? 'omission' : 'gastroenteritis',
    days: d.int(1, 3),
    heartRate: d.int(110, 132),
    systolic: d.int(96, 118),
    diastolic: d.int(56, 72),
    temp: d.int(364, 374),
    glucose: d.int(380, 640),
    ph,
    bicarbonate,
    anionGap: d.int(20, 30),
    sodium: d.int(129, 138),
    potassium: d.int(48, 62),
    ketones: d.int(45, 78),
    creatinine: d.int(98, 162),
    hba1c: d.int(95, 135),
    severe: ph < 700 || bicarbonate < 10,
    resolvedHours: d.int(14, 30),
    dischargeDay: d.int(3, 4),
  };
}

function en(f: Facts, w: Writer): CaseText {
  const pr = w.g('he', 'she');
  const Pr = w.g('He', 'She');
  const his = w.g('his', 'her');
  const sev = f.severe ? 'severe' : 'moderate';
  const p1 = [
    `${w.Person} with type 1 diabetes diagnosed ${f.years} years earlier presented to the emergency department with ${f.days === 1 ? 'one day' : `${f.days} days`} of polyuria, intense thirst, nausea, repeated vomiting and diffuse abdominal pain.`,
    f.trigger === 'omission'
      ? `${Pr} had stopped ${his} insulin three days earlier after running out of supplies.`
      : `The illness had begun with watery diarrhea, and ${pr} had lowered ${his} insulin doses because ${pr} was barely eating.`,
  ];
  const p2 = [
    `On examination ${pr} was drowsy but oriented, with dry mucous membranes, deep rapid (Kussmaul) breathing and a fruity odor on the breath.`,
    `The heart rate was ${f.heartRate} beats per minute, blood pressure ${f.systolic}/${f.diastolic} mmHg and temperature ${w.dec(f.temp, 1)} °C.`,
    `Capillary glucose was ${f.glucose} mg/dL.`,
    `Venous blood gas showed a pH of ${w.dec(f.ph, 2)}, bicarbonate of ${f.bicarbonate} mmol/L and an anion gap of ${f.anionGap} mmol/L, and blood beta-hydroxybutyrate was ${w.dec(f.ketones, 1)} mmol/L.`,
    `Sodium was ${f.sodium} mmol/L, potassium ${w.dec(f.potassium, 1)} mmol/L and creatinine ${w.dec(f.creatinine, 2)} mg/dL; HbA1c was ${w.dec(f.hba1c, 1)}%.`,
  ];
  const p3 = [
    `${f.severe ? 'Severe' : 'Moderate'} diabetic ketoacidosis was diagnosed.`,
    `${Pr} received intravenous 0.9% saline, a fixed-rate insulin infusion of 0.1 units/kg/hour and potassium replacement guided by serum levels.`,
    `The ketoacidosis resolved after ${f.resolvedHours} hours, and ${pr} was moved to subcutaneous basal-bolus insulin.`,
    `After meeting the diabetes education team${f.trigger === 'omission' ? ' and arranging a reliable insulin supply' : ''}, ${pr} was discharged on day ${f.dischargeDay}.`,
  ];
  const summary = [
    `${w.Person} with type 1 diabetes presented with polyuria, vomiting and abdominal pain ${f.trigger === 'omission' ? 'after stopping insulin' : 'during a bout of gastroenteritis'}.`,
    `Glucose was ${f.glucose} mg/dL, pH ${w.dec(f.ph, 2)} and bicarbonate ${f.bicarbonate} mmol/L: ${sev} diabetic ketoacidosis, which resolved within ${f.resolvedHours} hours with fluids and intravenous insulin.`,
  ];
  return { report: [p1.join(' '), p2.join(' '), p3.join(' ')], summary: summary.join(' '), diagnosis: 'diabetic ketoacidosis', shared: [w.person, `${f.glucose} mg/dL`, w.dec(f.ph, 2)] };
}

function es(f: Facts, w: Writer): CaseText {
  const sev = f.severe ? 'grave' : 'moderada';
  const p1 = [
    `${w.Person}, con diabetes mellitus tipo 1 diagnosticada hace ${f.years} años, acudió a urgencias por un cuadro de ${f.days === 1 ? 'un día' : `${f.days} días`} de poliuria, polidipsia intensa, náuseas, vómitos repetidos y dolor abdominal difuso.`,
    f.trigger === 'omission'
      ? 'Había suspendido la insulina tres días antes por haberse quedado sin suministros.'
      : 'El cuadro se había iniciado con diarrea acuosa y, como apenas comía, había reducido por su cuenta las dosis de insulina.',
  ];
  const p2 = [
    `En la exploración estaba ${w.g('somnoliento', 'somnolienta')} pero ${w.g('orientado', 'orientada')}, con mucosas secas, respiración de Kussmaul y aliento cetósico.`,
    `La frecuencia cardíaca era de ${f.heartRate} lpm, la presión arterial de ${f.systolic}/${f.diastolic} mmHg y la temperatura de ${w.dec(f.temp, 1)} °C.`,
    `La glucemia capilar fue de ${f.glucose} mg/dL.`,
    `La gasometría venosa mostró un pH de ${w.dec(f.ph, 2)}, bicarbonato de ${f.bicarbonate} mmol/L y anión gap de ${f.anionGap} mmol/L, con beta-hidroxibutirato en sangre de ${w.dec(f.ketones, 1)} mmol/L.`,
    `El sodio era de ${f.sodium} mmol/L, el potasio de ${w.dec(f.potassium, 1)} mmol/L y la creatinina de ${w.dec(f.creatinine, 2)} mg/dL; la HbA1c era del ${w.dec(f.hba1c, 1)} %.`,
  ];
  const p3 = [
    `Se diagnosticó cetoacidosis diabética ${sev}.`,
    'Recibió suero salino al 0,9 % por vía intravenosa, perfusión de insulina a dosis fija de 0,1 UI/kg/h y reposición de potasio según sus niveles séricos.',
    `La cetoacidosis se resolvió en ${f.resolvedHours} horas y se pasó a insulina subcutánea en pauta basal-bolo.`,
    `Tras una sesión con el equipo de educación diabetológica, fue ${w.g('dado', 'dada')} de alta tras ${f.dischargeDay} días de ingreso.`,
  ];
  const summary = [
    `${w.Person} con diabetes tipo 1 consultó por poliuria, vómitos y dolor abdominal ${f.trigger === 'omission' ? 'tras suspender la insulina' : 'en el contexto de una gastroenteritis'}.`,
    `La glucemia de ${f.glucose} mg/dL, el pH de ${w.dec(f.ph, 2)} y el bicarbonato de ${f.bicarbonate} mmol/L indicaron una cetoacidosis diabética ${sev}, que se resolvió en ${f.resolvedHours} horas con fluidoterapia e insulina intravenosa.`,
  ];
  return { report: [p1.join(' '), p2.join(' '), p3.join(' ')], summary: summary.join(' '), diagnosis: 'cetoacidosis diabética', shared: [w.person, `${f.glucose} mg/dL`, w.dec(f.ph, 2)] };
}

function fr(f: Facts, w: Writer): CaseText {
  const pr = w.g('il', 'elle');
  const Pr = w.g('Il', 'Elle');
  const sev = f.severe ? 'sévère' : 'modérée';
  const glucose = w.dec(f.glucose, 2); // g/L: mg/dL ÷ 100
  const p1 = [
    `${w.Person}, diabétique de type 1 depuis ${f.years} ans, a consulté aux urgences pour un syndrome polyuro-polydipsique évoluant depuis ${f.days === 1 ? '24 heures' : `${f.days} jours`}, avec des nausées, des vomissements répétés et des douleurs abdominales diffuses.`,
    f.trigger === 'omission'
      ? `${Pr} avait interrompu son insulinothérapie trois jours plus tôt, faute d'approvisionnement.`
      : `Le tableau avait débuté par une diarrhée aqueuse, et ${pr} avait diminué ses doses d'insuline car ${pr} ne s'alimentait presque plus.`,
  ];
  const p2 = [
    `À l'examen, ${pr} était ${w.g('somnolent', 'somnolente')} mais ${w.g('orienté', 'orientée')}, avec une sécheresse des muqueuses, une dyspnée de Kussmaul et une haleine cétonique.`,
    `La fréquence cardiaque était de ${f.heartRate}/min, la pression artérielle de ${f.systolic}/${f.diastolic} mmHg et la température de ${w.dec(f.temp, 1)} °C.`,
    `La glycémie capillaire était à ${glucose} g/L.`,
    `La gazométrie veineuse montrait un pH à ${w.dec(f.ph, 2)}, des bicarbonates à ${f.bicarbonate} mmol/L et un trou anionique à ${f.anionGap} mmol/L, avec une cétonémie à ${w.dec(f.ketones, 1)} mmol/L.`,
    `La natrémie était à ${f.sodium} mmol/L, la kaliémie à ${w.dec(f.potassium, 1)} mmol/L et la créatininémie à ${Math.round((f.creatinine * 884) / 1000)} µmol/L ; l'HbA1c était à ${w.dec(f.hba1c, 1)} %.`,
  ];
  const p3 = [
    `Le diagnostic d'acidocétose diabétique ${sev} a été retenu.`,
    'Le traitement a associé un remplissage par sérum salé isotonique, une insulinothérapie intraveineuse à débit fixe de 0,1 UI/kg/h et une supplémentation potassique adaptée à la kaliémie.',
    `L'acidocétose s'est corrigée en ${f.resolvedHours} heures, permettant le relais par un schéma basal-bolus sous-cutané.`,
    `Après une séance d'éducation thérapeutique, ${pr} est ${w.g('sorti', 'sortie')} à J${f.dischargeDay}.`,
  ];
  const summary = [
    `${w.Person}, diabétique de type 1, a consulté pour une polyurie, des vomissements et des douleurs abdominales ${f.trigger === 'omission' ? "après l'arrêt de son insuline" : "au décours d'une gastro-entérite"}.`,
    `Une glycémie à ${glucose} g/L, un pH à ${w.dec(f.ph, 2)} et des bicarbonates à ${f.bicarbonate} mmol/L ont confirmé une acidocétose diabétique ${sev}, corrigée en ${f.resolvedHours} heures sous insuline intraveineuse.`,
  ];
  return { report: [p1.join(' '), p2.join(' '), p3.join(' ')], summary: summary.join(' '), diagnosis: 'acidocétose diabétique', shared: [w.person, `${glucose} g/L`, w.dec(f.ph, 2)] };
}

function pt(f: Facts, w: Writer): CaseText {
  const sev = f.severe ? 'grave' : 'moderada';
  const p1 = [
    `${w.Person}, com diabetes mellitus tipo 1 diagnosticado há ${f.years} anos, procurou o pronto-socorro por quadro de ${f.days === 1 ? 'um dia' : `${f.days} dias`} de poliúria, sede intensa, náuseas, vômitos repetidos e dor abdominal difusa.`,
    f.trigger === 'omission'
      ? 'Havia interrompido a insulina três dias antes por falta do medicamento.'
      : `O quadro começou com diarreia aquosa, e ${w.g('ele', 'ela')} reduziu as doses de insulina por conta própria porque quase não se alimentava.`,
  ];
  const p2 = [
    `Ao exame, estava ${w.g('sonolento', 'sonolenta')}, porém ${w.g('orientado', 'orientada')}, com mucosas secas, respiração de Kussmaul e hálito cetônico.`,
    `A frequência cardíaca era de ${f.heartRate} bpm, a pressão arterial de ${f.systolic}/${f.diastolic} mmHg e a temperatura de ${w.dec(f.temp, 1)} °C.`,
    `A glicemia capilar era de ${f.glucose} mg/dL.`,
    `A gasometria venosa mostrou pH de ${w.dec(f.ph, 2)}, bicarbonato de ${f.bicarbonate} mmol/L e ânion gap de ${f.anionGap} mmol/L, com beta-hidroxibutirato sérico de ${w.dec(f.ketones, 1)} mmol/L.`,
    `O sódio era de ${f.sodium} mmol/L, o potássio de ${w.dec(f.potassium, 1)} mmol/L e a creatinina de ${w.dec(f.creatinine, 2)} mg/dL; a HbA1c era de ${w.dec(f.hba1c, 1)}%.`,
  ];
  const p3 = [
    `Foi feito o diagnóstico de cetoacidose diabética ${sev}.`,
    `${w.g('O paciente', 'A paciente')} recebeu soro fisiológico a 0,9% por via intravenosa, infusão contínua de insulina regular a 0,1 UI/kg/h e reposição de potássio guiada pelos níveis séricos.`,
    `A cetoacidose foi resolvida em ${f.resolvedHours} horas, com transição para insulina subcutânea em esquema basal-bolus.`,
    `Após orientação pela equipe de educação em diabetes, recebeu alta no ${f.dischargeDay}º dia de internação.`,
  ];
  const summary = [
    `${w.Person} com diabetes tipo 1 apresentou poliúria, vômitos e dor abdominal ${f.trigger === 'omission' ? 'após suspender a insulina' : 'durante um quadro de gastroenterite'}.`,
    `A glicemia de ${f.glucose} mg/dL, o pH de ${w.dec(f.ph, 2)} e o bicarbonato de ${f.bicarbonate} mmol/L confirmaram cetoacidose diabética ${sev}, resolvida em ${f.resolvedHours} horas com hidratação e insulina intravenosa.`,
  ];
  return { report: [p1.join(' '), p2.join(' '), p3.join(' ')], summary: summary.join(' '), diagnosis: 'cetoacidose diabética', shared: [w.person, `${f.glucose} mg/dL`, w.dec(f.ph, 2)] };
}

export const ketoacidosis: Scenario<Facts> = { id: 'ketoacidosis', draw, text: { en, es, fr, pt } };
