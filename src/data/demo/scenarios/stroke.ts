/**
 * Acute ischemic stroke in an older adult with newly found atrial fibrillation: sudden hemiparesis
 * with aphasia (left hemisphere) or with neglect (right hemisphere), arrival within the
 * thrombolysis window, CT without hemorrhage, intravenous alteplase and, for an M1 occlusion,
 * thrombectomy; NIHSS at 24 hours lower than on arrival; apixaban for secondary prevention.
 */
import type { Draw } from '../draw.js';
import type { CaseText, PatientFacts, Scenario } from '../scenario.js';
import type { Writer } from '../text.js';

interface Facts extends PatientFacts {
  side: 'left' | 'right';
  /** Minutes from last seen well to arrival. */
  lastWell: number;
  /** Minutes from onset to alteplase. */
  needle: number;
  nihss: number;
  systolic: number;
  diastolic: number;
  /** mg/dL. */
  glucose: number;
  heartRate: number;
  aspects: number;
  /** A proximal (M1) occlusion, treated with thrombectomy as well. */
  m1: boolean;
  tici: '2b' | '3';
  nihss24: number;
  anticoagulationDay: number;
  dischargeDay: number;
}

function draw(d: Draw): Facts {
  const lastWell = d.int(60, 150);
  const nihss = d.int(6, 18);
  const m1 = d.chance(0.55);
  const anticoagulationDay = d.int(3, 6);
  return {
    age: d.int(62, 86),
    sex: d.chance(0.5) ? 'female' : 'male',
    side: d.chance(0.5) ? 'left' : 'right',
    lastWell,
    needle: lastWell + d.int(25, 45),
    nihss,
    systolic: d.int(150, 184),
    diastolic: d.int(80, 100),
    glucose: d.int(96, 168),
    heartRate: d.int(88, 118),
    aspects: d.int(8, 10),
    m1,
    tici: d.chance(0.6) ? '3' : '2b',
    nihss24: Math.max(1, nihss - (m1 ? d.int(4, 10) : d.int(2, 6))),
    anticoagulationDay,
    dischargeDay: anticoagulationDay + d.int(1, 4),
  };
}

function rehab(f: Facts): boolean {
  return f.nihss24 >= 4;
}

function en(f: Facts, w: Writer): CaseText {
  const pr = w.g('he', 'she');
  const Pr = w.g('He', 'She');
  const left = f.side === 'left';
  const body = left ? 'right' : 'left';
  const p1 = [
    `${w.Person} with hypertension and dyslipidemia was brought in by ambulance after a relative found ${w.g('him', 'her')} with sudden weakness of the ${body} arm and leg and ${left ? 'difficulty speaking' : 'slurred speech'}.`,
    `${Pr} had last been seen well ${f.lastWell} minutes before arrival and was not taking anticoagulants.`,
  ];
  const deficits = left
    ? 'aphasia, right facial droop and right hemiparesis, with the arm weaker than the leg'
    : 'left hemiparesis with the arm weaker than the leg, left facial droop, dysarthria, left-sided neglect and gaze deviation to the right';
  const p2 = [
    `On examination ${pr} had ${deficits}; the NIHSS score was ${f.nihss}.`,
    `Blood pressure was ${f.systolic}/${f.diastolic} mmHg, the pulse was irregular and capillary glucose was ${f.glucose} mg/dL.`,
    `Non-contrast head CT showed no hemorrhage (ASPECTS ${f.aspects}), and CT angiography ${f.m1 ? `showed occlusion of the M1 segment of the ${f.side} middle cerebral artery` : 'showed no large-vessel occlusion'}.`,
    `The electrocardiogram showed atrial fibrillation at ${f.heartRate} beats per minute, not previously known.`,
  ];
  const p3 = [
    `With a diagnosis of acute ischemic stroke, intravenous alteplase 0.9 mg/kg was started ${f.needle} minutes after symptom onset${f.m1 ? `, followed by mechanical thrombectomy with ${f.tici === '3' ? 'complete' : 'successful'} recanalization (TICI ${f.tici})` : ''}.`,
    `At 24 hours the NIHSS score was ${f.nihss24}, and MRI showed ${f.m1 ? `a small infarct in the ${f.side} lentiform nucleus` : `a small cortical infarct in the ${f.side} frontoparietal region`} without hemorrhagic transformation.`,
    `Apixaban was started on day ${f.anticoagulationDay} for the atrial fibrillation, together with atorvastatin.`,
    `${Pr} ${rehab(f) ? 'was transferred to an inpatient rehabilitation unit' : 'went home'} on day ${f.dischargeDay} with ${left ? 'mild word-finding difficulty' : 'mild clumsiness of the left hand'}.`,
  ];
  const summary = [
    `${w.Person} presented ${f.lastWell} minutes after the sudden onset of ${left ? 'aphasia and right hemiparesis' : 'left hemiparesis and neglect'} (NIHSS ${f.nihss}), with newly diagnosed atrial fibrillation.`,
    `Acute ischemic stroke ${f.m1 ? `from a ${f.side} M1 occlusion ` : ''}was treated with alteplase${f.m1 ? ' and thrombectomy' : ''}; the NIHSS was ${f.nihss24} at 24 hours and apixaban was started.`,
  ];
  return { report: [p1.join(' '), p2.join(' '), p3.join(' ')], summary: summary.join(' '), diagnosis: 'ischemic stroke', shared: [w.person] };
}

function es(f: Facts, w: Writer): CaseText {
  const left = f.side === 'left';
  const hemi = left ? 'izquierda' : 'derecha';
  const p1 = [
    `${w.Person}, con hipertensión arterial y dislipidemia, fue ${w.g('trasladado', 'trasladada')} en ambulancia después de que un familiar ${w.g('lo', 'la')} encontrara con pérdida brusca de fuerza en el brazo y la pierna ${left ? 'derechos y dificultad para hablar' : 'izquierdos y habla arrastrada'}.`,
    `Se ${w.g('le', 'la')} había visto ${w.g('asintomático', 'asintomática')} por última vez ${f.lastWell} minutos antes y no tomaba anticoagulantes.`,
  ];
  const deficits = left
    ? 'afasia, paresia facial derecha y hemiparesia derecha de predominio braquial'
    : 'hemiparesia izquierda de predominio braquial, paresia facial izquierda, disartria, heminegligencia izquierda y desviación de la mirada hacia la derecha';
  const p2 = [
    `En la exploración presentaba ${deficits}, con una puntuación NIHSS de ${f.nihss}.`,
    `La presión arterial era de ${f.systolic}/${f.diastolic} mmHg, el pulso irregular y la glucemia capilar de ${f.glucose} mg/dL.`,
    `La TC craneal sin contraste no mostró hemorragia (ASPECTS ${f.aspects}), y la angio-TC ${f.m1 ? `mostró una oclusión del segmento M1 de la arteria cerebral media ${hemi}` : 'no mostró oclusión de gran vaso'}.`,
    `El electrocardiograma mostró una fibrilación auricular a ${f.heartRate} lpm no conocida previamente.`,
  ];
  const p3 = [
    `Con el diagnóstico de ictus isquémico agudo se administró alteplasa intravenosa a 0,9 mg/kg a los ${f.needle} minutos del inicio de los síntomas${f.m1 ? `, seguida de trombectomía mecánica con recanalización ${f.tici === '3' ? 'completa' : 'satisfactoria'} (TICI ${f.tici})` : ''}.`,
    `A las 24 horas la puntuación NIHSS era de ${f.nihss24}, y la resonancia magnética mostró ${f.m1 ? `un pequeño infarto en el núcleo lenticular ${left ? 'izquierdo' : 'derecho'}` : `un pequeño infarto cortical frontoparietal ${left ? 'izquierdo' : 'derecho'}`} sin transformación hemorrágica.`,
    `Se inició apixabán el día ${f.anticoagulationDay} por la fibrilación auricular, junto con atorvastatina.`,
    `${rehab(f) ? `Tras ${f.dischargeDay} días de ingreso se ${w.g('le', 'la')} trasladó a una unidad de rehabilitación` : `Fue ${w.g('dado', 'dada')} de alta a su domicilio tras ${f.dischargeDay} días de ingreso`}, con ${left ? 'leve dificultad para encontrar palabras' : 'leve torpeza de la mano izquierda'}.`,
  ];
  const summary = [
    `${w.Person} llegó ${f.lastWell} minutos después del inicio brusco de ${left ? 'afasia y hemiparesia derecha' : 'hemiparesia izquierda y heminegligencia'} (NIHSS ${f.nihss}), con una fibrilación auricular no conocida.`,
    `El ictus isquémico ${f.m1 ? `por oclusión de M1 ${hemi} ` : ''}se trató con alteplasa${f.m1 ? ' y trombectomía' : ''}; a las 24 horas el NIHSS era de ${f.nihss24} y se inició apixabán.`,
  ];
  return { report: [p1.join(' '), p2.join(' '), p3.join(' ')], summary: summary.join(' '), diagnosis: 'ictus isquémico', shared: [w.person] };
}

function fr(f: Facts, w: Writer): CaseText {
  const Pr = w.g('Il', 'Elle');
  const left = f.side === 'left';
  const hemi = left ? 'gauche' : 'droite';
  const glucose = w.dec(f.glucose, 2); // g/L
  const p1 = [
    `${w.Person}, ${w.g('hypertendu', 'hypertendue')} et dyslipidémique, a été ${w.g('transporté', 'transportée')} par le SAMU après avoir été ${w.g('trouvé', 'trouvée')} par un proche avec un déficit brutal du bras et de la jambe ${left ? 'droits et des difficultés à parler' : 'gauches et une parole mal articulée'}.`,
    `${Pr} avait été ${w.g('vu', 'vue')} pour la dernière fois sans symptôme ${f.lastWell} minutes avant son arrivée et ne prenait pas d'anticoagulant.`,
  ];
  const deficits = left
    ? 'une aphasie, une paralysie faciale droite et une hémiparésie droite à prédominance brachiale'
    : 'une hémiparésie gauche à prédominance brachiale, une paralysie faciale gauche, une dysarthrie, une héminégligence gauche et une déviation du regard vers la droite';
  const p2 = [
    `L'examen retrouvait ${deficits}, avec un score NIHSS à ${f.nihss}.`,
    `La pression artérielle était de ${f.systolic}/${f.diastolic} mmHg, le pouls irrégulier et la glycémie capillaire à ${glucose} g/L.`,
    `Le scanner cérébral sans injection ne montrait pas d'hémorragie (ASPECTS ${f.aspects}) et l'angioscanner ${f.m1 ? `montrait une occlusion du segment M1 de l'artère cérébrale moyenne ${hemi}` : "ne montrait pas d'occlusion d'un gros tronc"}.`,
    `L'électrocardiogramme révélait une fibrillation atriale à ${f.heartRate}/min, jusque-là inconnue.`,
  ];
  const p3 = [
    `Le diagnostic d'AVC ischémique aigu a été retenu et une thrombolyse intraveineuse par altéplase à 0,9 mg/kg a été réalisée ${f.needle} minutes après le début des symptômes${f.m1 ? `, suivie d'une thrombectomie mécanique avec recanalisation ${f.tici === '3' ? 'complète' : 'satisfaisante'} (TICI ${f.tici})` : ''}.`,
    `À 24 heures, le score NIHSS était à ${f.nihss24} et l'IRM montrait ${f.m1 ? `un petit infarctus du noyau lenticulaire ${left ? 'gauche' : 'droit'}` : `un petit infarctus cortical fronto-pariétal ${left ? 'gauche' : 'droit'}`} sans transformation hémorragique.`,
    `L'apixaban a été introduit à J${f.anticoagulationDay} pour la fibrillation atriale, avec de l'atorvastatine.`,
    `${Pr} ${rehab(f) ? `a été ${w.g('transféré', 'transférée')} en service de rééducation` : 'a regagné son domicile'} à J${f.dischargeDay}, avec ${left ? 'un discret manque du mot' : 'une discrète maladresse de la main gauche'}.`,
  ];
  const summary = [
    `${w.Person} a été ${w.g('admis', 'admise')} ${f.lastWell} minutes après l'installation brutale ${left ? "d'une aphasie et d'une hémiparésie droite" : "d'une hémiparésie gauche avec héminégligence"} (NIHSS ${f.nihss}), avec une fibrillation atriale méconnue.`,
    `L'AVC ischémique ${f.m1 ? `par occlusion M1 ${hemi} ` : ''}a été traité par thrombolyse${f.m1 ? ' et thrombectomie' : ''} ; le NIHSS était à ${f.nihss24} à 24 heures et l'apixaban a été débuté.`,
  ];
  return { report: [p1.join(' '), p2.join(' '), p3.join(' ')], summary: summary.join(' '), diagnosis: 'AVC ischémique', shared: [w.person] };
}

function pt(f: Facts, w: Writer): CaseText {
  const left = f.side === 'left';
  const hemi = left ? 'esquerda' : 'direita';
  const p1 = [
    `${w.Person}, ${w.g('hipertenso', 'hipertensa')} e com dislipidemia, foi ${w.g('trazido', 'trazida')} pelo SAMU depois que um familiar ${w.g('o', 'a')} encontrou com perda súbita de força no braço e na perna ${left ? 'direitos e dificuldade para falar' : 'esquerdos e fala arrastada'}.`,
    `Tinha sido ${w.g('visto', 'vista')} bem pela última vez ${f.lastWell} minutos antes da chegada e não usava anticoagulantes.`,
  ];
  const deficits = left
    ? 'afasia, paresia facial à direita e hemiparesia direita de predomínio braquial'
    : 'hemiparesia esquerda de predomínio braquial, paresia facial à esquerda, disartria, heminegligência esquerda e desvio do olhar para a direita';
  const p2 = [
    `Ao exame, apresentava ${deficits}, com escore NIHSS de ${f.nihss}.`,
    `A pressão arterial era de ${f.systolic}/${f.diastolic} mmHg, o pulso irregular e a glicemia capilar de ${f.glucose} mg/dL.`,
    `A tomografia de crânio sem contraste não mostrou hemorragia (ASPECTS ${f.aspects}), e a angiotomografia ${f.m1 ? `mostrou oclusão do segmento M1 da artéria cerebral média ${hemi}` : 'não mostrou oclusão de grande vaso'}.`,
    `O eletrocardiograma revelou fibrilação atrial com frequência de ${f.heartRate} bpm, até então desconhecida.`,
  ];
  const p3 = [
    `Com o diagnóstico de acidente vascular cerebral isquêmico agudo, foi administrada alteplase intravenosa 0,9 mg/kg ${f.needle} minutos após o início dos sintomas${f.m1 ? `, seguida de trombectomia mecânica com recanalização ${f.tici === '3' ? 'completa' : 'satisfatória'} (TICI ${f.tici})` : ''}.`,
    `Em 24 horas, o escore NIHSS era de ${f.nihss24}, e a ressonância magnética mostrou ${f.m1 ? `pequeno infarto no núcleo lentiforme ${left ? 'esquerdo' : 'direito'}` : `pequeno infarto cortical frontoparietal ${left ? 'esquerdo' : 'direito'}`}, sem transformação hemorrágica.`,
    `A apixabana foi iniciada no ${f.anticoagulationDay}º dia para a fibrilação atrial, associada à atorvastatina.`,
    `${rehab(f) ? `No ${f.dischargeDay}º dia, foi ${w.g('transferido', 'transferida')} para um serviço de reabilitação` : `Recebeu alta para casa no ${f.dischargeDay}º dia`}, com ${left ? 'leve dificuldade para encontrar palavras' : 'discreta falta de destreza na mão esquerda'}.`,
  ];
  const summary = [
    `${w.Person} chegou ${f.lastWell} minutos após o início súbito de ${left ? 'afasia e hemiparesia direita' : 'hemiparesia esquerda e heminegligência'} (NIHSS ${f.nihss}), com fibrilação atrial até então desconhecida.`,
    `O acidente vascular cerebral isquêmico ${f.m1 ? `por oclusão de M1 ${hemi} ` : ''}foi tratado com alteplase${f.m1 ? ' e trombectomia' : ''}; o NIHSS era de ${f.nihss24} em 24 horas, e a apixabana foi iniciada.`,
  ];
  return { report: [p1.join(' '), p2.join(' '), p3.join(' ')], summary: summary.join(' '), diagnosis: 'acidente vascular cerebral isquêmico', shared: [w.person] };
}

export const stroke: Scenario<Facts> = { id: 'stroke', draw, text: { en, es, fr, pt } };
