/**
 * Acute pulmonary embolism provoked by knee surgery, a long-haul flight or a combined oral
 * contraceptive: dyspnea, pleuritic pain, tachycardia, hypoxemia, raised D-dimer, filling defects
 * on CT angiography, sometimes a popliteal vein thrombosis; the simplified PESI (heart rate
 * ≥ 110, saturation < 90 %) and the ESC risk class follow from the drawn values (no right
 * ventricular dilation, so low or intermediate-low); enoxaparin, then a direct oral anticoagulant
 * for three months.
 */
import type { Draw } from '../draw.js';
import type { CaseText, PatientFacts, Scenario } from '../scenario.js';
import type { Writer } from '../text.js';

type Risk = 'surgery' | 'flight' | 'contraceptive';

interface Facts extends PatientFacts {
  risk: Risk;
  days: number;
  side: 'right' | 'left';
  dvt: boolean;
  heartRate: number;
  respRate: number;
  spo2: number;
  systolic: number;
  diastolic: number;
  s1q3t3: boolean;
  dDimer: number;
  /** High-sensitivity troponin T, ng/L (upper reference limit 14). */
  troponin: number;
  ntProBnp: number;
  bilateral: boolean;
  /** Right-to-left ventricular diameter ratio, hundredths. */
  rvLv: number;
  spesi: number;
  lowRisk: boolean;
  anticoagulant: 'apixaban' | 'rivaroxaban';
  dischargeDay: number;
}

function draw(d: Draw): Facts {
  const risk = d.pick(['surgery', 'flight', 'contraceptive'] as const);
  const heartRate = d.int(102, 124);
  const spo2 = d.int(88, 95);
  const troponin = d.int(6, 48);
  const spesi = Number(heartRate >= 110) + Number(spo2 < 90);
  return {
    age: risk === 'contraceptive' ? d.int(22, 44) : d.int(30, 72),
    sex: risk === 'contraceptive' || d.chance(0.5) ? 'female' : 'male',
    risk,
    days: d.int(1, 4),
    side: d.chance(0.5) ? 'right' : 'left',
    dvt: d.chance(0.45),
    heartRate,
    respRate: d.int(20, 28),
    spo2,
    systolic: d.int(112, 142),
    diastolic: d.int(68, 88),
    s1q3t3: d.chance(0.4),
    dDimer: d.step(1800, 8900, 10),
    troponin,
    ntProBnp: d.int(90, 900),
    bilateral: d.chance(0.5),
    rvLv: d.int(70, 95),
    spesi,
    lowRisk: spesi === 0 && troponin <= 14,
    anticoagulant: d.chance(0.5) ? 'apixaban' : 'rivaroxaban',
    dischargeDay: d.int(2, 5),
  };
}

function en(f: Facts, w: Writer): CaseText {
  const pr = w.g('he', 'she');
  const Pr = w.g('He', 'She');
  const days = f.days === 1 ? 'one day' : `${f.days} days`;
  const risk = {
    surgery: `${Pr} had undergone arthroscopic knee surgery three weeks earlier and had been largely immobile since.`,
    flight: `${Pr} had returned from a 13-hour flight five days before.`,
    contraceptive: 'She had been taking a combined oral contraceptive for several years and smoked ten cigarettes a day.',
  }[f.risk];
  const extent = f.bilateral ? 'the segmental arteries of both lower lobes' : `the ${f.side} lower lobe artery and its segmental branches`;
  const p1 = [
    `${w.Person} presented with ${days} of progressive shortness of breath and ${f.side}-sided pleuritic chest pain.`,
    risk,
  ];
  const p2 = [
    `On arrival the heart rate was ${f.heartRate} beats per minute, the respiratory rate ${f.respRate} breaths per minute, blood pressure ${f.systolic}/${f.diastolic} mmHg and oxygen saturation ${f.spo2}% on room air.`,
    `Lung auscultation was normal${f.dvt ? ', and the left calf was swollen and tender' : ''}.`,
    `The electrocardiogram showed sinus tachycardia${f.s1q3t3 ? ' with an S1Q3T3 pattern' : ' without other changes'}.`,
    `D-dimer was ${w.int(f.dDimer)} ng/mL, high-sensitivity troponin T ${f.troponin} ng/L and NT-proBNP ${f.ntProBnp} pg/mL.`,
    `CT pulmonary angiography revealed filling defects in ${extent}, with a right-to-left ventricular ratio of ${w.dec(f.rvLv, 2)}.`,
    ...(f.dvt ? ['Compression ultrasound confirmed thrombosis of the left popliteal vein.'] : []),
  ];
  const p3 = [
    `Acute pulmonary embolism was diagnosed, with a simplified PESI score of ${f.spesi} (${f.lowRisk ? 'low' : 'intermediate-low'} risk).`,
    `Anticoagulation was started with subcutaneous enoxaparin 1 mg/kg twice daily${f.spo2 < 92 ? ', with oxygen by nasal cannula' : ''}.`,
    `Symptoms improved over the following days, and ${pr} was switched to oral ${f.anticoagulant} and discharged on day ${f.dischargeDay}.`,
    `As the event was provoked by ${{ surgery: 'surgery and immobility', flight: 'a long-haul flight', contraceptive: 'the oral contraceptive' }[f.risk]}, anticoagulation was planned for three months${f.risk === 'contraceptive' ? ' and the contraceptive was stopped' : ''}.`,
  ];
  const riskShort = { surgery: 'with recent knee surgery', flight: 'after a long-haul flight', contraceptive: 'taking an oral contraceptive' }[f.risk];
  const summary = [
    `${w.Person} ${riskShort} presented with dyspnea, pleuritic chest pain, tachycardia and an oxygen saturation of ${f.spo2}%.`,
    `CT angiography showed acute pulmonary embolism ${f.bilateral ? 'in both lower lobes' : `in the ${f.side} lower lobe`}${f.dvt ? ' and a left popliteal thrombosis' : ''}.`,
    `${Pr} was treated with enoxaparin followed by ${f.anticoagulant} and discharged on day ${f.dischargeDay}.`,
  ];
  return { report: [p1.join(' '), p2.join(' '), p3.join(' ')], summary: summary.join(' '), diagnosis: 'pulmonary embolism', shared: [w.person, `${f.spo2}%`] };
}

function es(f: Facts, w: Writer): CaseText {
  const right = f.side === 'right';
  const days = f.days === 1 ? 'un día' : `${f.days} días`;
  const drug = f.anticoagulant === 'apixaban' ? 'apixabán' : 'rivaroxabán';
  const risk = {
    surgery: `Tres semanas antes se le había practicado una artroscopia de rodilla y desde entonces había permanecido casi ${w.g('inmovilizado', 'inmovilizada')}.`,
    flight: 'Cinco días antes había regresado de un vuelo de 13 horas.',
    contraceptive: 'Tomaba un anticonceptivo oral combinado desde hacía varios años y fumaba diez cigarrillos al día.',
  }[f.risk];
  const extent = f.bilateral ? 'las arterias segmentarias de ambos lóbulos inferiores' : `la arteria lobar inferior ${right ? 'derecha' : 'izquierda'} y sus ramas segmentarias`;
  const p1 = [
    `${w.Person} consultó por disnea progresiva de ${days} de evolución y dolor torácico ${right ? 'derecho' : 'izquierdo'} de tipo pleurítico.`,
    risk,
  ];
  const p2 = [
    `A su llegada presentaba una frecuencia cardíaca de ${f.heartRate} lpm, frecuencia respiratoria de ${f.respRate} rpm, presión arterial de ${f.systolic}/${f.diastolic} mmHg y saturación de oxígeno del ${f.spo2} % con aire ambiente.`,
    `La auscultación pulmonar era normal${f.dvt ? ' y la pantorrilla izquierda estaba edematosa y dolorosa' : ''}.`,
    `El electrocardiograma mostró taquicardia sinusal${f.s1q3t3 ? ' con patrón S1Q3T3' : ' sin otras alteraciones'}.`,
    `El dímero D fue de ${w.int(f.dDimer)} ng/mL, la troponina T ultrasensible de ${f.troponin} ng/L y el NT-proBNP de ${f.ntProBnp} pg/mL.`,
    `La angiotomografía de arterias pulmonares mostró defectos de repleción en ${extent}, con un cociente ventrículo derecho/izquierdo de ${w.dec(f.rvLv, 2)}.`,
    ...(f.dvt ? ['La ecografía de compresión confirmó una trombosis de la vena poplítea izquierda.'] : []),
  ];
  const p3 = [
    `Se diagnosticó tromboembolismo pulmonar agudo, con una escala PESI simplificada de ${f.spesi} (riesgo ${f.lowRisk ? 'bajo' : 'intermedio-bajo'}).`,
    `Se inició anticoagulación con enoxaparina subcutánea a 1 mg/kg cada 12 horas${f.spo2 < 92 ? ', junto con oxigenoterapia con gafas nasales' : ''}.`,
    `Los síntomas mejoraron en los días siguientes y se pasó a ${drug} oral, con alta tras ${f.dischargeDay} días de ingreso.`,
    `Al tratarse de un episodio provocado por ${{ surgery: 'la cirugía y la inmovilización', flight: 'un vuelo de larga duración', contraceptive: 'el anticonceptivo oral' }[f.risk]}, se indicó anticoagulación durante tres meses${f.risk === 'contraceptive' ? ' y se suspendió el anticonceptivo' : ''}.`,
  ];
  const riskShort = { surgery: 'con una artroscopia de rodilla reciente', flight: 'tras un vuelo largo', contraceptive: 'que tomaba un anticonceptivo oral' }[f.risk];
  const summary = [
    `${w.Person} ${riskShort} consultó por disnea, dolor pleurítico y taquicardia, con saturación de oxígeno del ${f.spo2} %.`,
    `La angiotomografía mostró un tromboembolismo pulmonar agudo ${f.bilateral ? 'en ambos lóbulos inferiores' : `en el lóbulo inferior ${right ? 'derecho' : 'izquierdo'}`}${f.dvt ? ', con trombosis poplítea izquierda' : ''}.`,
    `Se trató con enoxaparina seguida de ${drug}, con alta tras ${f.dischargeDay} días.`,
  ];
  return { report: [p1.join(' '), p2.join(' '), p3.join(' ')], summary: summary.join(' '), diagnosis: 'tromboembolismo pulmonar', shared: [w.person, `${f.spo2} %`] };
}

function fr(f: Facts, w: Writer): CaseText {
  const Pr = w.g('Il', 'Elle');
  const right = f.side === 'right';
  const days = f.days === 1 ? '24 heures' : `${f.days} jours`;
  const risk = {
    surgery: `${Pr} avait bénéficié d'une arthroscopie du genou trois semaines auparavant et était ${w.g('resté', 'restée')} très peu mobile depuis.`,
    flight: `${Pr} était ${w.g('rentré', 'rentrée')} cinq jours plus tôt d'un vol de 13 heures.`,
    contraceptive: 'Elle prenait une contraception œstroprogestative depuis plusieurs années et fumait dix cigarettes par jour.',
  }[f.risk];
  const extent = f.bilateral ? 'dans les artères segmentaires des deux lobes inférieurs' : `dans l'artère lobaire inférieure ${right ? 'droite' : 'gauche'} et ses branches segmentaires`;
  const p1 = [
    `${w.Person} a consulté pour une dyspnée d'aggravation progressive depuis ${days} et une douleur thoracique ${right ? 'droite' : 'gauche'} d'allure pleurale.`,
    risk,
  ];
  const p2 = [
    `À l'arrivée, la fréquence cardiaque était de ${f.heartRate}/min, la fréquence respiratoire de ${f.respRate}/min, la pression artérielle de ${f.systolic}/${f.diastolic} mmHg et la saturation de ${f.spo2} % en air ambiant.`,
    `L'auscultation pulmonaire était normale${f.dvt ? ', et le mollet gauche était augmenté de volume et douloureux' : ''}.`,
    `L'électrocardiogramme montrait une tachycardie sinusale${f.s1q3t3 ? ' avec un aspect S1Q3T3' : ' sans autre anomalie'}.`,
    `Les D-dimères étaient à ${w.int(f.dDimer)} ng/mL, la troponine T ultrasensible à ${f.troponin} ng/L et le NT-proBNP à ${f.ntProBnp} pg/mL.`,
    `L'angioscanner thoracique objectivait des défects endoluminaux ${extent}, avec un rapport VD/VG de ${w.dec(f.rvLv, 2)}.`,
    ...(f.dvt ? ["L'écho-doppler veineux confirmait une thrombose de la veine poplitée gauche."] : []),
  ];
  const p3 = [
    `Le diagnostic d'embolie pulmonaire aiguë a été retenu, avec un score sPESI à ${f.spesi} (risque ${f.lowRisk ? 'faible' : 'intermédiaire faible'}).`,
    `Une anticoagulation par énoxaparine sous-cutanée à 1 mg/kg deux fois par jour a été débutée${f.spo2 < 92 ? ', avec une oxygénothérapie aux lunettes' : ''}.`,
    `L'évolution a été favorable, avec un relais par ${f.anticoagulant} per os et une sortie à J${f.dischargeDay}.`,
    `L'embolie étant provoquée par ${{ surgery: "la chirurgie et l'immobilisation", flight: 'un vol long-courrier', contraceptive: 'la contraception œstroprogestative' }[f.risk]}, une anticoagulation de trois mois a été prévue${f.risk === 'contraceptive' ? ' et la contraception a été arrêtée' : ''}.`,
  ];
  const riskShort = { surgery: `récemment ${w.g('opéré', 'opérée')} du genou`, flight: "de retour d'un vol long-courrier", contraceptive: 'sous contraception orale' }[f.risk];
  const summary = [
    `${w.Person}, ${riskShort}, a consulté pour une dyspnée, une douleur pleurale et une tachycardie, avec une saturation à ${f.spo2} %.`,
    `L'angioscanner a montré une embolie pulmonaire aiguë ${f.bilateral ? 'des deux lobes inférieurs' : `du lobe inférieur ${right ? 'droit' : 'gauche'}`}${f.dvt ? ', avec une thrombose poplitée gauche' : ''}.`,
    `${Pr} a été ${w.g('traité', 'traitée')} par énoxaparine puis ${f.anticoagulant}, avec une sortie à J${f.dischargeDay}.`,
  ];
  return { report: [p1.join(' '), p2.join(' '), p3.join(' ')], summary: summary.join(' '), diagnosis: 'embolie pulmonaire', shared: [w.person, `${f.spo2} %`] };
}

function pt(f: Facts, w: Writer): CaseText {
  const right = f.side === 'right';
  const days = f.days === 1 ? 'um dia' : `${f.days} dias`;
  const drug = f.anticoagulant === 'apixaban' ? 'apixabana' : 'rivaroxabana';
  const risk = {
    surgery: `Havia sido ${w.g('submetido', 'submetida')} a artroscopia do joelho três semanas antes e, desde então, estava com a mobilidade muito reduzida.`,
    flight: 'Cinco dias antes, havia retornado de um voo de 13 horas.',
    contraceptive: 'Usava anticoncepcional oral combinado havia vários anos e fumava dez cigarros por dia.',
  }[f.risk];
  const extent = f.bilateral ? 'nas artérias segmentares de ambos os lobos inferiores' : `na artéria lobar inferior ${right ? 'direita' : 'esquerda'} e em seus ramos segmentares`;
  const p1 = [
    `${w.Person} procurou o pronto-socorro por dispneia progressiva havia ${days} e dor torácica ${right ? 'à direita' : 'à esquerda'} de caráter pleurítico.`,
    risk,
  ];
  const p2 = [
    `Na admissão, apresentava frequência cardíaca de ${f.heartRate} bpm, frequência respiratória de ${f.respRate} irpm, pressão arterial de ${f.systolic}/${f.diastolic} mmHg e saturação de oxigênio de ${f.spo2}% em ar ambiente.`,
    `A ausculta pulmonar era normal${f.dvt ? ', e a panturrilha esquerda estava edemaciada e dolorosa' : ''}.`,
    `O eletrocardiograma mostrou taquicardia sinusal${f.s1q3t3 ? ' com padrão S1Q3T3' : ' sem outras alterações'}.`,
    `O dímero-D era de ${w.int(f.dDimer)} ng/mL, a troponina T ultrassensível de ${f.troponin} ng/L e o NT-proBNP de ${f.ntProBnp} pg/mL.`,
    `A angiotomografia de tórax evidenciou falhas de enchimento ${extent}, com relação VD/VE de ${w.dec(f.rvLv, 2)}.`,
    ...(f.dvt ? ['A ultrassonografia com Doppler confirmou trombose da veia poplítea esquerda.'] : []),
  ];
  const p3 = [
    `Foi feito o diagnóstico de tromboembolismo pulmonar agudo, com escore PESI simplificado de ${f.spesi} (risco ${f.lowRisk ? 'baixo' : 'intermediário-baixo'}).`,
    `Iniciou-se anticoagulação com enoxaparina subcutânea 1 mg/kg a cada 12 horas${f.spo2 < 92 ? ', além de oxigênio por cateter nasal' : ''}.`,
    `Houve melhora progressiva, com transição para ${drug} oral e alta no ${f.dischargeDay}º dia de internação.`,
    `Por se tratar de evento provocado por ${{ surgery: 'cirurgia e imobilização', flight: 'viagem aérea prolongada', contraceptive: 'uso de anticoncepcional oral' }[f.risk]}, a anticoagulação foi programada por três meses${f.risk === 'contraceptive' ? ', e o anticoncepcional foi suspenso' : ''}.`,
  ];
  const riskShort = { surgery: 'com artroscopia de joelho recente', flight: 'após um voo longo', contraceptive: 'em uso de anticoncepcional oral' }[f.risk];
  const summary = [
    `${w.Person} ${riskShort} apresentou dispneia, dor pleurítica e taquicardia, com saturação de oxigênio de ${f.spo2}%.`,
    `A angiotomografia mostrou tromboembolismo pulmonar agudo ${f.bilateral ? 'em ambos os lobos inferiores' : `no lobo inferior ${right ? 'direito' : 'esquerdo'}`}${f.dvt ? ', com trombose poplítea esquerda' : ''}.`,
    `Foi ${w.g('tratado', 'tratada')} com enoxaparina seguida de ${drug}, com alta no ${f.dischargeDay}º dia.`,
  ];
  return { report: [p1.join(' '), p2.join(' '), p3.join(' ')], summary: summary.join(' '), diagnosis: 'tromboembolismo pulmonar', shared: [w.person, `${f.spo2}%`] };
}

export const pulmonaryEmbolism: Scenario<Facts> = { id: 'pulmonary-embolism', draw, text: { en, es, fr, pt } };
